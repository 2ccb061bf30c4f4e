"""Sources, their statuses, line product statuses and the priority pass (R3, R4): one row per case of the
seed's definitions (seeds/002_…), with "today" passed in."""

from datetime import date

import pytest

from order_mgmt.rules import product as p
from order_mgmt.rules import sources as s
from order_mgmt.rules.sources import Line, Source

TODAY = date(2026, 11, 23)
YESTERDAY, TOMORROW, NEXT_WEEK = date(2026, 11, 22), date(2026, 11, 24), date(2026, 11, 30)

WO = lambda **kw: Source(kind=s.WORK_ORDER, name="WO", **{"qty": 10, **kw})  # noqa: E731
PO = lambda **kw: Source(kind=s.PURCHASE_ORDER, name="PO", **{"qty": 10, **kw})  # noqa: E731
MR = lambda **kw: Source(kind=s.MATERIAL_REQUEST, name="MR", **{"qty": 10, "requested": True, **kw})  # noqa: E731
TO = lambda **kw: Source(kind=s.TRANSFER, name="TO", **{"qty": 10, **kw})  # noqa: E731

# (source, line delivery date, expected status)
SOURCE_CASES = [
	# stock is there
	(Source(kind=s.STOCK, name="Stores", qty=5), NEXT_WEEK, s.RECEIVED),
	# Manufacturing orders
	(WO(requested=True, expected=TOMORROW), NEXT_WEEK, s.REQUESTED),  # MO not approved (draft)
	(WO(expected=TOMORROW), NEXT_WEEK, s.EXPECTED_ON_TIME),  # finishes before the delivery date
	(WO(expected=NEXT_WEEK), NEXT_WEEK, s.POSSIBLY_DELAYED),  # MO finish date = delivery date
	(WO(expected=date(2026, 12, 1)), NEXT_WEEK, s.DELAYED),  # MO finish date after delivery date
	# MO not finished on time (its planned end passed): Delayed (was Possibly delayed)
	(WO(expected=YESTERDAY), NEXT_WEEK, s.DELAYED),
	# some operation not started on time: the planned start passed and production has not started
	(WO(expected=TOMORROW, planned_start=YESTERDAY), NEXT_WEEK, s.POSSIBLY_DELAYED),
	(WO(expected=TOMORROW, planned_start=YESTERDAY, started=True), NEXT_WEEK, s.EXPECTED_ON_TIME),
	(WO(expected=TOMORROW, planned_start=TODAY), NEXT_WEEK, s.EXPECTED_ON_TIME),
	# MO Not booked: some parts are not booked (not transferred / not available in the source warehouse)
	(WO(expected=TOMORROW, parts_booked=False), NEXT_WEEK, s.NOT_BOOKED),
	(WO(expected=date(2026, 12, 1), parts_booked=False), NEXT_WEEK, s.DELAYED),  # late wins
	(WO(expected=TOMORROW, parts_booked=False, requested=True), NEXT_WEEK, s.REQUESTED),  # not approved
	(WO(expected=TOMORROW, received=10), NEXT_WEEK, s.RECEIVED),  # MO finished
	(WO(expected=TOMORROW, received=4), NEXT_WEEK, s.EXPECTED_ON_TIME),  # partly produced
	(WO(expected=TOMORROW), YESTERDAY, s.DELAYED),  # delivery date passed, not received
	(WO(expected=TODAY), TODAY, s.POSSIBLY_DELAYED),  # delivery date is today
	(WO(expected=YESTERDAY), TODAY, s.DELAYED),  # MO not finished on time (was Possibly delayed)
	(WO(expected=None), NEXT_WEEK, s.EXPECTED_ON_TIME),  # no plan yet, nothing late
	# Purchase orders
	(PO(requested=True, expected=TOMORROW), NEXT_WEEK, s.REQUESTED),  # PO not confirmed (draft)
	(PO(expected=TOMORROW), NEXT_WEEK, s.EXPECTED_ON_TIME),
	(PO(expected=NEXT_WEEK), NEXT_WEEK, s.POSSIBLY_DELAYED),  # expected date = delivery date
	(PO(expected=date(2026, 12, 2)), NEXT_WEEK, s.DELAYED),  # expected after the delivery date
	(PO(expected=TOMORROW), YESTERDAY, s.DELAYED),  # not received, delivery date passed
	(PO(expected=TOMORROW), TODAY, s.DELAYED),  # expected after a delivery date of today
	(PO(expected=TODAY), TODAY, s.POSSIBLY_DELAYED),  # delivery date today, not received
	# not received and the promised (supplier's) date passed: Delayed (was Possibly delayed)
	(PO(expected=YESTERDAY), NEXT_WEEK, s.DELAYED),
	(PO(expected=date(2026, 12, 2), received=6), NEXT_WEEK, s.DELAYED),  # partly received, late promise
	(PO(expected=TOMORROW, received=6), NEXT_WEEK, s.EXPECTED_ON_TIME),  # partly received, on time
	(PO(expected=TOMORROW, received=10), YESTERDAY, s.RECEIVED),  # received: nothing late any more
	# Material requests and transfers
	(MR(expected=TOMORROW), NEXT_WEEK, s.REQUESTED),
	(MR(expected=TOMORROW), YESTERDAY, s.REQUESTED),  # only requested, whatever the dates
	(TO(expected=TOMORROW), NEXT_WEEK, s.EXPECTED_ON_TIME),
	# not shipped on its planned shipment date (= its required-by date: ERPNext has no transit time)
	(TO(expected=TODAY), NEXT_WEEK, s.POSSIBLY_DELAYED),
	(TO(expected=TODAY, shipped=True), NEXT_WEEK, s.EXPECTED_ON_TIME),  # in transit, due today
	# not received and the planned arrival (required-by date) passed: Delayed (was Possibly delayed)
	(TO(expected=YESTERDAY), NEXT_WEEK, s.DELAYED),
	(TO(expected=YESTERDAY, shipped=True), NEXT_WEEK, s.DELAYED),
	(TO(expected=date(2026, 12, 1)), NEXT_WEEK, s.DELAYED),  # arrives after the delivery date
	(TO(expected=TOMORROW), YESTERDAY, s.DELAYED),  # planned arrival passed
	(TO(expected=TOMORROW, received=10), YESTERDAY, s.RECEIVED),
]


@pytest.mark.parametrize("source,delivery,expected", SOURCE_CASES)
def test_source_status(source, delivery, expected):
	assert s.source_status(source, delivery, TODAY) == expected


L = Line
# (line, expected product status)
LINE_CASES = [
	# Not booked: not all of the line's qty is reserved or coming from linked sources
	(L(ordered=10, delivery_date=NEXT_WEEK), p.NOT_BOOKED),
	(L(ordered=10, reserved=6, delivery_date=NEXT_WEEK), p.NOT_BOOKED),
	(
		L(ordered=10, reserved=6, sources=(PO(qty=3, expected=TOMORROW),), delivery_date=NEXT_WEEK),
		p.NOT_BOOKED,
	),
	# Not enough: and stock plus planned receipts cannot cover it after higher priorities
	(L(ordered=10, delivery_date=NEXT_WEEK, short=True), p.NOT_ENOUGH),
	# ... unless its delivery date passed: not received, so Delayed whatever else is true
	(L(ordered=10, delivery_date=YESTERDAY, short=True), p.DELAYED),
	(L(ordered=10, reserved=6, delivery_date=YESTERDAY), p.DELAYED),
	(L(ordered=10, reserved=6, delivery_date=NEXT_WEEK, short=True), p.NOT_ENOUGH),
	# Requested: covered, but partly by sources that are only requested
	(L(ordered=10, reserved=6, sources=(MR(qty=4),), delivery_date=NEXT_WEEK), p.REQUESTED),
	(L(ordered=10, sources=(WO(requested=True, expected=TOMORROW),), delivery_date=NEXT_WEEK), p.REQUESTED),
	(
		L(
			ordered=10,
			sources=(PO(qty=5, expected=TOMORROW), PO(qty=5, requested=True)),
			delivery_date=NEXT_WEEK,
		),
		p.REQUESTED,
	),
	# a late line with only a draft request is Delayed, not Requested
	(L(ordered=10, sources=(MR(expected=TOMORROW),), delivery_date=YESTERDAY), p.DELAYED),
	(L(ordered=10, sources=(PO(requested=True),), delivery_date=YESTERDAY), p.DELAYED),
	# a confirmed source finishing after the date is Delayed even when others are only requested
	(
		L(
			ordered=10,
			sources=(MR(qty=5), WO(qty=5, expected=date(2026, 12, 5))),
			delivery_date=NEXT_WEEK,
		),
		p.DELAYED,
	),
	# a source at risk outranks a requested one
	(
		L(ordered=10, sources=(MR(qty=5), PO(qty=5, expected=NEXT_WEEK)), delivery_date=NEXT_WEEK),
		p.POSSIBLY_DELAYED,
	),
	# due today with a requested source: possibly delayed
	(L(ordered=10, sources=(MR(),), delivery_date=TODAY), p.POSSIBLY_DELAYED),
	# a source late on its own date while the customer's date is ahead may still make it
	(L(ordered=10, sources=(WO(expected=YESTERDAY),), delivery_date=NEXT_WEEK), p.POSSIBLY_DELAYED),
	(L(ordered=10, sources=(PO(expected=YESTERDAY),), delivery_date=NEXT_WEEK), p.POSSIBLY_DELAYED),
	# an MO whose parts are not booked leaves the line Not booked
	(
		L(ordered=10, sources=(WO(expected=TOMORROW, parts_booked=False),), delivery_date=NEXT_WEEK),
		p.NOT_BOOKED,
	),
	(
		L(ordered=10, sources=(WO(expected=TOMORROW, planned_start=YESTERDAY),), delivery_date=NEXT_WEEK),
		p.POSSIBLY_DELAYED,
	),
	# Expected on time
	(L(ordered=10, sources=(WO(expected=TOMORROW),), delivery_date=NEXT_WEEK), p.EXPECTED_ON_TIME),
	(
		L(ordered=10, reserved=4, sources=(PO(qty=6, expected=TOMORROW),), delivery_date=NEXT_WEEK),
		p.EXPECTED_ON_TIME,
	),
	# Possibly delayed: source finishes on the delivery date; delivery date today and goods not received
	(L(ordered=10, sources=(WO(expected=NEXT_WEEK),), delivery_date=NEXT_WEEK), p.POSSIBLY_DELAYED),
	(L(ordered=10, sources=(PO(expected=NEXT_WEEK),), delivery_date=NEXT_WEEK), p.POSSIBLY_DELAYED),
	(L(ordered=10, sources=(PO(expected=TODAY),), delivery_date=TODAY), p.POSSIBLY_DELAYED),
	# Delayed: source finishes after it; delivery date passed and goods not received
	(L(ordered=10, sources=(WO(expected=date(2026, 12, 5)),), delivery_date=NEXT_WEEK), p.DELAYED),
	(L(ordered=10, sources=(PO(expected=YESTERDAY),), delivery_date=YESTERDAY), p.DELAYED),
	# a late purchase plus stock: the late part decides
	(
		L(ordered=10, reserved=7, sources=(PO(qty=3, expected=date(2026, 12, 5)),), delivery_date=NEXT_WEEK),
		p.DELAYED,
	),
	# several sources: the worst one decides
	(
		L(
			ordered=10,
			sources=(PO(qty=5, expected=TOMORROW), WO(qty=5, expected=NEXT_WEEK)),
			delivery_date=NEXT_WEEK,
		),
		p.POSSIBLY_DELAYED,
	),
	# Ready for shipment: all in stock and reserved (stock wins over late sources)
	(
		L(ordered=10, reserved=10, sources=(PO(expected=date(2026, 12, 5)),), delivery_date=NEXT_WEEK),
		p.READY_FOR_SHIPMENT,
	),
	(L(ordered=10, reserved=10, delivery_date=YESTERDAY), p.READY_FOR_SHIPMENT),
	(L(ordered=10, delivered=4, reserved=6, delivery_date=NEXT_WEEK), p.READY_FOR_SHIPMENT),
	(L(ordered=2, is_stock_item=False, delivery_date=NEXT_WEEK), p.READY_FOR_SHIPMENT),
	# Delivered: all shipped
	(L(ordered=10, delivered=10, delivery_date=YESTERDAY), p.DELIVERED),
	(L(ordered=10, delivered=11), p.DELIVERED),
	# a finished work order whose goods are not yet reserved: not booked
	(L(ordered=10, sources=(WO(received=10, expected=TOMORROW),), delivery_date=NEXT_WEEK), p.NOT_BOOKED),
]


@pytest.mark.parametrize("line,expected", LINE_CASES)
def test_line_status(line, expected):
	assert s.line_status(line, TODAY) == expected


def test_expected_date_is_the_last_open_source():
	line = L(ordered=10, sources=(PO(qty=5, expected=TOMORROW), WO(qty=5, expected=NEXT_WEEK, received=5)))
	assert s.expected_date(line) == TOMORROW
	assert s.expected_date(L(ordered=1)) is None


D = s.Demand
# (demands, supply, short keys)
PRIORITY_CASES = [
	# enough for everybody
	([D("a", "X", "W", 5, 0, TOMORROW), D("b", "X", "W", 5, 0, NEXT_WEEK)], {("X", "W"): 10}, set()),
	# the later delivery date goes short
	([D("a", "X", "W", 5, 0, TOMORROW), D("b", "X", "W", 6, 0, NEXT_WEEK)], {("X", "W"): 10}, {"b"}),
	([D("b", "X", "W", 6, 0, NEXT_WEEK), D("a", "X", "W", 5, 0, TOMORROW)], {("X", "W"): 10}, {"b"}),
	# same date: the earlier confirmation first
	(
		[D("a", "X", "W", 6, 0, TOMORROW, "2026-11-02"), D("b", "X", "W", 6, 0, TOMORROW, "2026-11-01")],
		{("X", "W"): 10},
		{"a"},
	),
	# reservations stay with their line: supply given here is what is left after all reservations
	([D("a", "X", "W", 5, 5, NEXT_WEEK), D("b", "X", "W", 5, 0, TOMORROW)], {("X", "W"): 5}, set()),
	([D("a", "X", "W", 5, 2, NEXT_WEEK), D("b", "X", "W", 5, 0, TOMORROW)], {("X", "W"): 5}, {"a"}),
	# other items and warehouses do not compete
	(
		[D("a", "X", "W", 5, 0, TOMORROW), D("b", "Y", "W", 5, 0, TOMORROW)],
		{("X", "W"): 5, ("Y", "W"): 5},
		set(),
	),
	([D("a", "X", "W", 5, 0, TOMORROW), D("b", "X", "V", 5, 0, TOMORROW)], {("X", "W"): 10}, {"b"}),
	# no supply at all
	([D("a", "X", "W", 1, 0, None)], {}, {"a"}),
	# no date: last
	([D("a", "X", "W", 5, 0, None), D("b", "X", "W", 5, 0, NEXT_WEEK)], {("X", "W"): 5}, {"a"}),
	# a purchase or work order made for a line serves that line, never an earlier one (supply given here
	# is without the dedicated receipts)
	(
		[D("a", "X", "W", 5, 0, NEXT_WEEK, dedicated=5), D("b", "X", "W", 5, 0, TOMORROW)],
		{("X", "W"): 0},
		{"b"},
	),
	(
		[D("a", "X", "W", 5, 0, NEXT_WEEK, dedicated=5), D("b", "X", "W", 5, 0, TOMORROW)],
		{("X", "W"): 5},
		set(),
	),
	# … and what it brings beyond the line's need is free for the others
	(
		[D("a", "X", "W", 2, 0, NEXT_WEEK, dedicated=8), D("b", "X", "W", 5, 0, TOMORROW)],
		{("X", "W"): 0},
		set(),
	),
	(
		[D("a", "X", "W", 2, 0, NEXT_WEEK, dedicated=6), D("b", "X", "W", 5, 0, TOMORROW)],
		{("X", "W"): 0},
		{"b"},
	),
	# a dedicated receipt smaller than the need: the rest from the free supply in priority order
	(
		[D("a", "X", "W", 5, 0, TOMORROW, dedicated=3), D("b", "X", "W", 2, 0, NEXT_WEEK)],
		{("X", "W"): 2},
		{"b"},
	),
]


@pytest.mark.parametrize("demands,supply,short", PRIORITY_CASES)
def test_priority_pass(demands, supply, short):
	assert s.short_lines(demands, supply) == short


# (line statuses, order product status, late?): the order shows its worst line, lateness first, so that
# the roll-up, the Delayed Orders card (product status in LATE) and the report (lines in LATE) agree
ORDER_CASES = [
	([p.EXPECTED_ON_TIME, p.READY_FOR_SHIPMENT], p.EXPECTED_ON_TIME, False),
	([p.NOT_BOOKED, p.DELAYED], p.DELAYED, True),
	([p.NOT_ENOUGH, p.POSSIBLY_DELAYED], p.POSSIBLY_DELAYED, True),
	([p.NOT_ENOUGH, p.REQUESTED], p.NOT_ENOUGH, False),
	([p.DELIVERED, p.POSSIBLY_DELAYED, p.DELAYED], p.DELAYED, True),
	([], "", False),
]


@pytest.mark.parametrize("lines,status,late", ORDER_CASES)
def test_order_roll_up_and_late(lines, status, late):
	assert p.order_status(lines) == status
	assert p.is_late(status) == late == any(p.is_late(x) for x in lines)


# --- a line delivered on several dates (ERPNext v16's Delivery Schedule) -------------------------------------

# (line delivery date, schedule [(date, qty)], delivered, the date the line is next due)
DUE_CASES = [
	(NEXT_WEEK, None, 0, NEXT_WEEK),  # no schedule: its delivery date
	(NEXT_WEEK, [], 3, NEXT_WEEK),
	(YESTERDAY, [(YESTERDAY, 2), (NEXT_WEEK, 3)], 0, YESTERDAY),  # the first part is due
	(YESTERDAY, [(YESTERDAY, 2), (NEXT_WEEK, 3)], 1, YESTERDAY),  # ... and not all of it delivered
	(YESTERDAY, [(YESTERDAY, 2), (NEXT_WEEK, 3)], 2, NEXT_WEEK),  # the first part delivered: the next
	(YESTERDAY, [(NEXT_WEEK, 3), (YESTERDAY, 2)], 2, NEXT_WEEK),  # in any order
	(YESTERDAY, [(YESTERDAY, 2), (TOMORROW, 1), (NEXT_WEEK, 3)], 3, NEXT_WEEK),
	(YESTERDAY, [(YESTERDAY, 2), (NEXT_WEEK, 3)], 5, NEXT_WEEK),  # everything covered: the last part
	(YESTERDAY, [(YESTERDAY, 2.5), (NEXT_WEEK, 2.5)], 2.5, NEXT_WEEK),  # fractions
]


@pytest.mark.parametrize("delivery,schedule,delivered,due", DUE_CASES)
def test_due_date_follows_the_delivery_schedule(delivery, schedule, delivered, due):
	assert s.due_date(delivery, schedule, delivered) == due


def test_a_scheduled_line_is_delayed_only_when_a_part_due_is_not_delivered():
	schedule = [(YESTERDAY, 2), (NEXT_WEEK, 3)]
	late = Line(ordered=5, delivered=0, delivery_date=s.due_date(YESTERDAY, schedule, 0))
	assert s.line_status(late, TODAY) == p.DELAYED
	on_time = Line(ordered=5, delivered=2, delivery_date=s.due_date(YESTERDAY, schedule, 2))
	assert s.line_status(on_time, TODAY) != p.DELAYED
	assert s.next_change(on_time, TODAY) == date(2026, 12, 1)  # the day after the next part is due
