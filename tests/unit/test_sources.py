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
	(WO(expected=YESTERDAY), NEXT_WEEK, s.POSSIBLY_DELAYED),  # planned finish passed, not finished
	(WO(expected=TOMORROW, received=10), NEXT_WEEK, s.RECEIVED),  # MO finished
	(WO(expected=TOMORROW, received=4), NEXT_WEEK, s.EXPECTED_ON_TIME),  # partly produced
	(WO(expected=TOMORROW), YESTERDAY, s.DELAYED),  # delivery date passed, not received
	(WO(expected=YESTERDAY), TODAY, s.POSSIBLY_DELAYED),  # delivery date is today
	(WO(expected=None), NEXT_WEEK, s.EXPECTED_ON_TIME),  # no plan yet, nothing late
	# Purchase orders
	(PO(requested=True, expected=TOMORROW), NEXT_WEEK, s.REQUESTED),  # PO not confirmed (draft)
	(PO(expected=TOMORROW), NEXT_WEEK, s.EXPECTED_ON_TIME),
	(PO(expected=NEXT_WEEK), NEXT_WEEK, s.POSSIBLY_DELAYED),  # expected date = delivery date
	(PO(expected=date(2026, 12, 2)), NEXT_WEEK, s.DELAYED),  # expected after the delivery date
	(PO(expected=TOMORROW), YESTERDAY, s.DELAYED),  # not received, delivery date passed
	(PO(expected=TOMORROW), TODAY, s.DELAYED),  # expected after a delivery date of today
	(PO(expected=TODAY), TODAY, s.POSSIBLY_DELAYED),  # delivery date today, not received
	(PO(expected=YESTERDAY), NEXT_WEEK, s.POSSIBLY_DELAYED),  # overdue supplier, still in time
	(PO(expected=TOMORROW, received=10), YESTERDAY, s.RECEIVED),  # received: nothing late any more
	# Material requests and transfers
	(MR(expected=TOMORROW), NEXT_WEEK, s.REQUESTED),
	(MR(expected=TOMORROW), YESTERDAY, s.REQUESTED),  # only requested, whatever the dates
	(TO(expected=TOMORROW), NEXT_WEEK, s.EXPECTED_ON_TIME),
	(TO(expected=YESTERDAY), NEXT_WEEK, s.POSSIBLY_DELAYED),  # planned date passed, not shipped
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
