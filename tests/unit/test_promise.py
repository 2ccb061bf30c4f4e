"""Promise dates (issue 28): the pure rule `order_mgmt.rules.promise` as a table of cases — stock only, a
receipt before / after the requested date, a receipt already promised to another order, dedicated
receipts, reservations, lines On Hold, two lines of one item, an item short overall, CTP bought and
manufactured, lead time unset — plus a brute-force check that a promise breaks no later date and is the
earliest that does not; and the Work Order date rule shared with the status engine."""

import random
from datetime import date, timedelta

import pytest

from order_mgmt.rules import promise as r
from order_mgmt.rules import work_orders
from order_mgmt.rules.promise import Ask, Component, ItemFacts, Need, Position, Receipt

TODAY = date(2026, 12, 7)


def D(n):
	return TODAY + timedelta(days=n)


def day(d):
	return f"D{(d - TODAY).days}"


def number(q):
	return f"{q:g}"


ITEM = ItemFacts(lead_time_days=0)
W = "Stores"


def PO(qty, due, name="PO-1", **kw):
	return Receipt(qty=qty, due=due, kind=r.PURCHASE_ORDER, name=name, **kw)


def WO(qty, due, name="WO-1", **kw):
	return Receipt(qty=qty, due=due, kind=r.WORK_ORDER, name=name, **kw)


def ask(qty, requested=None, key="L1", idx=1, item="A", warehouse=W):
	return Ask(key=key, idx=idx, item_code=item, warehouse=warehouse, qty=qty, requested=requested)


# (case, position of item A in Stores, items, asks, {key: (kind, date, indicator, words or None)})
CASES = [
	(
		"stock only",
		Position(stock=10),
		{"A": ITEM},
		[ask(8, D(3))],
		{"L1": (r.ATP, TODAY, r.GREEN, "8 on D0 (8 in stock)")},
	),
	(
		"stock only, requested today",
		Position(stock=10),
		{"A": ITEM},
		[ask(10, TODAY)],
		{"L1": (r.ATP, TODAY, r.GREEN, "10 on D0 (10 in stock)")},
	),
	(
		"a receipt before the requested date",
		Position(stock=8, receipts=(PO(5, D(5)),)),
		{"A": ITEM},
		[ask(10, D(7))],
		{"L1": (r.ATP, D(5), r.ORANGE, "10 on D5 (8 in stock, 2 from PO-1 due D5)")},
	),
	(
		"a receipt after the requested date",
		Position(stock=8, receipts=(PO(5, D(5)),)),
		{"A": ITEM},
		[ask(10, D(3))],
		{"L1": (r.ATP, D(5), r.RED, "10 on D5 (8 in stock, 2 from PO-1 due D5)")},
	),
	(
		"a Work Order receipt",
		Position(receipts=(WO(4, D(2), "MFG-WO-1"),)),
		{"A": ITEM},
		[ask(4, D(2))],
		{"L1": (r.ATP, D(2), r.ORANGE, "4 on D2 (4 from MFG-WO-1 due D2)")},
	),
	(
		"a receipt already overdue counts today",
		Position(receipts=(PO(5, D(-3)),)),
		{"A": ITEM},
		[ask(5, D(1))],
		{"L1": (r.ATP, TODAY, r.ORANGE, "5 on D0 (5 from PO-1, overdue since D-3)")},
	),
	(
		"a receipt nobody can date is not counted",
		Position(stock=2, receipts=(PO(5, None),)),
		{"A": ItemFacts(lead_time_days=10)},
		[ask(5, D(1))],
		{"L1": (r.CTP_BUY, D(10), r.RED, "5 on D10 with a new Purchase Order (lead time 10 days)")},
	),
	(
		"a receipt already promised to another order: no ATP, lead time unset",
		Position(receipts=(PO(10, D(5)),), needs=(Need(10, D(8)),)),
		{"A": ITEM},
		[ask(5, D(6))],
		{
			"L1": (
				r.CANNOT,
				None,
				r.GREY,
				"Cannot be promised: no planned supply covers it and A has no lead time",
			)
		},
	),
	(
		"a receipt already promised to another order: CTP bought",
		Position(receipts=(PO(10, D(5)),), needs=(Need(10, D(8)),)),
		{"A": ItemFacts(lead_time_days=14)},
		[ask(5, D(20))],
		{"L1": (r.CTP_BUY, D(14), r.ORANGE, "5 on D14 with a new Purchase Order (lead time 14 days)")},
	),
	(
		"look-ahead: stock now, promised to a later order, a receipt after it",
		Position(stock=10, receipts=(PO(10, D(20)),), needs=(Need(10, D(10)),)),
		{"A": ITEM},
		[ask(5, D(2))],
		{"L1": (r.ATP, D(20), r.RED, "5 on D20 (5 from PO-1 due D20)")},
	),
	(
		"look-ahead: what the later order leaves is free now",
		Position(stock=10, receipts=(PO(10, D(20)),), needs=(Need(7, D(10)),)),
		{"A": ITEM},
		[ask(3, D(2))],
		{"L1": (r.ATP, TODAY, r.GREEN, "3 on D0 (3 in stock)")},
	),
	(
		"demand already due counts today",
		Position(stock=10, needs=(Need(6, D(-4)),)),
		{"A": ItemFacts(lead_time_days=3)},
		[ask(5, D(1))],
		{"L1": (r.CTP_BUY, D(3), r.RED, None)},
	),
	(
		"a dedicated receipt adds only what exceeds its line's need, on its own date",
		Position(receipts=(PO(15, D(4), "PO-A", for_line="SO-L1"),), needs=(Need(10, D(3), "SO-L1"),)),
		{"A": ITEM},
		[ask(5, D(4))],
		{"L1": (r.ATP, D(4), r.ORANGE, "5 on D4 (5 from PO-A due D4)")},
	),
	(
		"a dedicated receipt's surplus is all there is",
		Position(receipts=(PO(15, D(4), "PO-A", for_line="SO-L1"),), needs=(Need(10, D(3), "SO-L1"),)),
		{"A": ItemFacts(lead_time_days=9)},
		[ask(6, D(4))],
		{"L1": (r.CTP_BUY, D(9), r.RED, None)},
	),
	(
		"a line covered by its own receipt takes nothing from stock",
		Position(stock=3, receipts=(WO(10, D(30), for_line="SO-L1"),), needs=(Need(10, D(2), "SO-L1"),)),
		{"A": ITEM},
		[ask(3, D(1))],
		{"L1": (r.ATP, TODAY, r.GREEN, "3 on D0 (3 in stock)")},
	),
	(
		"a line partly covered by its own receipt needs the rest from stock",
		Position(stock=3, receipts=(PO(8, D(5), for_line="SO-L1"),), needs=(Need(10, D(2), "SO-L1"),)),
		{"A": ItemFacts(lead_time_days=2)},
		[ask(1, D(1)), ask(1, D(1), key="L2", idx=2)],
		{
			"L1": (r.ATP, TODAY, r.GREEN, "1 on D0 (1 in stock)"),
			"L2": (r.CTP_BUY, D(2), r.RED, None),
		},
	),
	(
		"a receipt made for a line no longer open is nobody's supply",
		Position(receipts=(PO(5, D(2), for_line="SO-GONE"),)),
		{"A": ItemFacts(lead_time_days=4)},
		[ask(1, D(5))],
		{"L1": (r.CTP_BUY, D(4), r.ORANGE, None)},
	),
	(
		"reservations are taken",
		Position(stock=10, reserved=7),
		{"A": ItemFacts(lead_time_days=5)},
		[ask(3, D(1), key="L1"), ask(4, D(1), key="L2", idx=2)],
		{
			"L1": (r.ATP, TODAY, r.GREEN, "3 on D0 (3 in stock)"),
			"L2": (r.CTP_BUY, D(5), r.RED, "4 on D5 with a new Purchase Order (lead time 5 days)"),
		},
	),
	(
		"more reserved than in stock: the receipt fills the hole first",
		Position(stock=2, reserved=5, receipts=(PO(10, D(5)),)),
		{"A": ITEM},
		[ask(7, D(6))],
		{"L1": (r.ATP, D(5), r.ORANGE, "7 on D5 (7 from PO-1 due D5)")},
	),
	(
		"a line On Hold still needs its goods",
		Position(stock=10, needs=(Need(6, D(30)),)),
		{"A": ItemFacts(lead_time_days=7)},
		[ask(5, D(1))],
		{"L1": (r.CTP_BUY, D(7), r.RED, None)},
	),
	(
		"two lines of one item: the first served first, the second at the receipt",
		Position(stock=10, receipts=(PO(10, D(10)),)),
		{"A": ITEM},
		[ask(8, D(2), key="L1", idx=1), ask(8, D(2), key="L2", idx=2)],
		{
			"L1": (r.ATP, TODAY, r.GREEN, "8 on D0 (8 in stock)"),
			"L2": (r.ATP, D(10), r.RED, "8 on D10 (2 in stock, 6 from PO-1 due D10)"),
		},
	),
	(
		"two lines of one item: served by requested date before line number",
		Position(stock=10, receipts=(PO(10, D(10)),)),
		{"A": ITEM},
		[ask(10, D(12), key="L1", idx=1), ask(10, D(2), key="L2", idx=2)],
		{
			"L2": (r.ATP, TODAY, r.GREEN, "10 on D0 (10 in stock)"),
			"L1": (r.ATP, D(10), r.ORANGE, "10 on D10 (10 from PO-1 due D10)"),
		},
	),
	(
		"two lines of one item: a line is taken out at its requested date when that holds",
		Position(stock=10, receipts=(PO(10, D(5)),)),
		{"A": ITEM},
		[ask(10, D(10), key="L1", idx=1), ask(10, D(10), key="L2", idx=2)],
		{
			"L1": (r.ATP, TODAY, r.GREEN, "10 on D0 (10 in stock)"),
			"L2": (r.ATP, TODAY, r.GREEN, "10 on D0 (10 in stock)"),
		},
	),
	(
		"an item short overall: CTP bought",
		Position(stock=5, receipts=(PO(3, D(2)),), needs=(Need(10, D(3)),)),
		{"A": ItemFacts(lead_time_days=7)},
		[ask(1, D(10))],
		{"L1": (r.CTP_BUY, D(7), r.ORANGE, "1 on D7 with a new Purchase Order (lead time 7 days)")},
	),
	(
		"a bought item with lead time unset cannot be promised",
		Position(),
		{"A": ItemFacts(lead_time_days=0)},
		[ask(1, D(10))],
		{"L1": (r.CANNOT, None, r.GREY, None)},
	),
	(
		"a service or non-stock item needs no promise",
		Position(),
		{"A": ItemFacts(is_stock_item=False)},
		[ask(3, D(1))],
		{"L1": (r.NOT_NEEDED, None, r.GREY, "No promise needed")},
	),
]

MADE = ItemFacts(
	lead_time_days=3,
	manufactured=True,
	components=(
		Component("C1", "WIP", 2.0),
		Component("C2", "WIP", 1.0),
		Component("C3", "WIP", 0.5),
		Component("SVC", "WIP", 1.0),
	),
)
COMPONENTS = {
	("C1", "WIP"): Position(stock=10),
	("C2", "WIP"): Position(receipts=(PO(5, D(4), "PO-C2"),)),
	("C3", "WIP"): Position(),
}
COMPONENT_FACTS = {
	"C1": ItemFacts(lead_time_days=0),
	"C2": ItemFacts(lead_time_days=0),
	"C3": ItemFacts(lead_time_days=6),
	"SVC": ItemFacts(is_stock_item=False),
}

MADE_CASES = [
	(
		"CTP manufactured: the latest component promise (stock, a receipt, a component's lead time) + lead time",
		MADE,
		COMPONENT_FACTS,
		[ask(5, D(12))],
		{"L1": (r.CTP_MAKE, D(9), r.ORANGE, "5 on D9 with a new Work Order (parts by D6, lead time 3 days)")},
	),
	(
		"CTP manufactured: red when requested earlier",
		MADE,
		COMPONENT_FACTS,
		[ask(5, D(8))],
		{"L1": (r.CTP_MAKE, D(9), r.RED, None)},
	),
	(
		"CTP manufactured: a component without ATP and without lead time cannot be promised",
		MADE,
		{**COMPONENT_FACTS, "C3": ItemFacts(lead_time_days=0)},
		[ask(5, D(12))],
		{
			"L1": (
				r.CANNOT,
				None,
				r.GREY,
				"Cannot be promised: no planned supply covers it and C3 has no lead time",
			)
		},
	),
	(
		"CTP manufactured: the product's own lead time unset cannot be promised",
		ItemFacts(lead_time_days=0, manufactured=True, components=MADE.components),
		COMPONENT_FACTS,
		[ask(5, D(12))],
		{
			"L1": (
				r.CANNOT,
				None,
				r.GREY,
				"Cannot be promised: no planned supply covers it and A has no lead time",
			)
		},
	),
	(
		"CTP manufactured: two lines share the components' stock",
		ItemFacts(lead_time_days=2, manufactured=True, components=(Component("C1", "WIP", 1.0),)),
		{"C1": ItemFacts(lead_time_days=20)},
		[ask(6, D(30), key="L1", idx=1), ask(6, D(30), key="L2", idx=2)],
		{
			"L1": (r.CTP_MAKE, D(2), r.ORANGE, None),
			"L2": (r.CTP_MAKE, D(22), r.ORANGE, None),
		},
	),
]


def check(result, expected):
	assert set(result) == set(expected)
	for key, (kind, when, colour, text) in expected.items():
		p = result[key]
		assert (p.kind, p.date, p.indicator) == (kind, when, colour), key
		if text is not None:
			assert r.words(p, day=day, number=number) == text


@pytest.mark.parametrize("case, position, items, asks, expected", CASES, ids=[c[0] for c in CASES])
def test_promise(case, position, items, asks, expected):
	check(r.promise(asks, {("A", W): position}, items, TODAY), expected)


@pytest.mark.parametrize("case, facts, comps, asks, expected", MADE_CASES, ids=[c[0] for c in MADE_CASES])
def test_capable_to_promise_manufactured(case, facts, comps, asks, expected):
	check(r.promise(asks, COMPONENTS, {"A": facts, **comps}, TODAY), expected)


def test_a_warning_gives_the_numbers():
	position = Position(stock=8, receipts=(PO(5, D(5), "PO-0001"),))
	p = r.promise([ask(10, D(3), idx=2)], {("A", W): position}, {"A": ITEM}, TODAY)["L1"]
	assert p.on_requested == 8
	assert r.warning(p, day=day, number=number) == (
		"Row 2: 8 of 10 can be delivered on D3; the first date that works is D5: "
		"10 on D5 (8 in stock, 2 from PO-0001 due D5)"
	)
	on_time = r.promise([ask(10, D(6))], {("A", W): position}, {"A": ITEM}, TODAY)["L1"]
	assert r.warning(on_time) == ""
	cannot = r.promise([ask(20, D(6), idx=3)], {("A", W): position}, {"A": ITEM}, TODAY)["L1"]
	assert (cannot.kind, cannot.warns, cannot.late) == (r.CANNOT, True, False)
	assert r.warning(cannot, number=number) == (
		"Row 3: no date can be promised for 20 of A: no planned supply covers it and A has no lead time"
	)
	assert (p.warns, on_time.warns) == (True, False)


def test_lines_of_other_items_and_warehouses_do_not_meet():
	positions = {("A", W): Position(stock=5), ("A", "Other"): Position(stock=5), ("B", W): Position(stock=5)}
	items = {"A": ITEM, "B": ITEM}
	result = r.promise(
		[ask(5, D(1), "L1", 1), ask(5, D(1), "L2", 2, warehouse="Other"), ask(5, D(1), "L3", 3, item="B")],
		positions,
		items,
		TODAY,
	)
	assert {k: p.date for k, p in result.items()} == {"L1": TODAY, "L2": TODAY, "L3": TODAY}


def _daily(balance, days):
	return [balance.at(D(n)) for n in range(days)]


def test_brute_force_a_promise_breaks_no_later_date_and_is_the_earliest():
	"""Random positions: each ATP promise p is the earliest day from which the balance less the line stays
	≥ 0 on every later day (checked day by day), and taking the lines leaves every day's balance at least
	where it was or ≥ 0."""
	rng = random.Random(28)
	horizon = 45
	for _ in range(400):
		position = Position(
			stock=rng.choice([0, 3, 10, 20]),
			reserved=rng.choice([0, 0, 2, 12]),
			receipts=tuple(
				PO(rng.randint(1, 12), D(rng.randint(-5, 30)), f"PO-{i}") for i in range(rng.randint(0, 3))
			)
			+ (
				(PO(rng.randint(1, 12), D(rng.randint(0, 30)), "PO-D", for_line="SO-1"),)
				if rng.random() < 0.3
				else ()
			),
			needs=tuple(Need(rng.randint(1, 10), D(rng.randint(-3, 35))) for _ in range(rng.randint(0, 4)))
			+ ((Need(rng.randint(1, 10), D(rng.randint(0, 30)), "SO-1"),) if rng.random() < 0.5 else ()),
		)
		asks = [ask(rng.randint(1, 12), D(rng.randint(-1, 30)), f"L{i}", i) for i in range(rng.randint(1, 3))]
		before = r.Balance(position, TODAY)
		before_days = _daily(before, horizon)
		result = r.promise(asks, {("A", W): position}, {"A": ItemFacts(lead_time_days=5)}, TODAY)
		after = r.Balance(position, TODAY)
		for a in sorted(asks, key=lambda a: (a.requested, a.idx)):
			p = result[a.key]
			if p.kind != r.ATP:
				assert p.kind == r.CTP_BUY and p.date == D(5)
				assert after.earliest(a.qty) is None
				continue
			days = _daily(after, horizon)
			start = (p.date - TODAY).days
			assert all(b - a.qty >= -1e-9 for b in days[start:]), (position, asks)
			if start > 0:
				assert any(b - a.qty < -1e-9 for b in days[start - 1 :]), (position, asks)
			# the line is taken as the rule takes it: at its requested date when that holds
			after.take(a.requested if a.requested >= p.date else p.date, a.qty)
			assert sum(part.qty for part in p.parts) == pytest.approx(a.qty)
		for b0, b1 in zip(before_days, _daily(after, horizon), strict=True):
			assert b1 >= min(b0, 0.0) - 1e-9


WO_DATES = [
	# (finished, actual end, planned end, planned start, lead time, expected)
	(True, D(-1), D(3), D(-5), 4, D(-1)),  # finished: its actual end
	(False, None, D(3), D(-5), 4, D(3)),  # the planned end (from operations or set by the planner)
	(False, None, None, D(1), 4, D(5)),  # no planned end: planned start + lead time
	(False, None, None, D(1), None, D(1)),  # lead time unset: the planned start
	(False, None, None, None, 4, None),  # nothing to date it by
	(True, None, D(3), D(1), 4, D(3)),  # finished without an actual end: its planned end
]


@pytest.mark.parametrize("finished, actual_end, planned_end, planned_start, lead, expected", WO_DATES)
def test_work_order_date(finished, actual_end, planned_end, planned_start, lead, expected):
	assert work_orders.expected_date(finished, actual_end, planned_end, planned_start, lead) == expected


TAKEN = [
	# (what, stock, reserved after, needs after [(day, qty)], reserved now [(line's day, qty)], expected)
	("ample stock takes nothing", 20, 5, [(2, 4)], [(9, 5)], None),
	("an earlier order left short", 6, 5, [(2, 4)], [(9, 5)], (2, 3)),
	("the order's own date first: nothing earlier", 6, 5, [(12, 4)], [(9, 5)], None),
	("short before the reservation: only the new part counts", 5, 5, [(2, 4)], [(9, 2)], (2, 2)),
	("already short by more than it took", 3, 3, [(2, 9)], [(9, 1)], (2, 1)),
	("short already, the reservation took none of it", 4, 4, [(2, 6)], [(0, 3)], None),
	("two lines, the later one takes", 10, 8, [(3, 4)], [(1, 3), (9, 5)], (3, 2)),
]


@pytest.mark.parametrize("case, stock, reserved, needs, made, expected", TAKEN, ids=[c[0] for c in TAKEN])
def test_a_reservation_taking_what_earlier_orders_need(case, stock, reserved, needs, made, expected):
	today = date(2026, 12, 1)
	position = Position(
		stock=stock,
		reserved=reserved,
		needs=tuple(Need(q, today + timedelta(days=d)) for d, q in needs),
	)
	got = r.taken_from_earlier(r.Balance(position, today), [(today + timedelta(days=d), q) for d, q in made])
	want = None if expected is None else (today + timedelta(days=expected[0]), expected[1])
	assert got == want
