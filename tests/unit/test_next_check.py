"""When a line's verdict next changes with the same documents (the incremental nightly run's next-check
date): one row per kind of date a rule compares with today, and a brute-force check over many lines and
days that no earlier day changes anything."""

import itertools
from datetime import date, timedelta

import pytest

from order_mgmt.rules import sources as s
from order_mgmt.rules.sources import Line, Source

TODAY = date(2026, 11, 23)


def day(n: int) -> date:
	return TODAY + timedelta(days=n)


WO = lambda **kw: Source(kind=s.WORK_ORDER, name="WO", **{"qty": 10, **kw})  # noqa: E731
PO = lambda **kw: Source(kind=s.PURCHASE_ORDER, name="PO", **{"qty": 10, **kw})  # noqa: E731
TO = lambda **kw: Source(kind=s.TRANSFER, name="TO", **{"qty": 10, **kw})  # noqa: E731

# (line, next change after TODAY)
CASES = [
	# nothing dated: never
	(Line(ordered=10, delivery_date=None, sources=(PO(),)), None),
	# delivered or reserved in full: no date moves it
	(Line(ordered=10, delivered=10, delivery_date=day(5)), None),
	(Line(ordered=10, reserved=10, delivery_date=day(5)), None),
	# a service line is ready whatever the date
	(Line(ordered=10, is_stock_item=False, delivery_date=day(5)), None),
	# Not booked until the delivery date passes: the day after it (Delayed)
	(Line(ordered=10, delivery_date=day(5)), day(6)),
	# covered by a purchase due before the customer's date: on time until the supplier's date passes
	(Line(ordered=10, delivery_date=day(5), sources=(PO(expected=day(2)),)), day(3)),
	# the supplier's date is the customer's: Possibly delayed already; Delayed the day after
	(Line(ordered=10, delivery_date=day(5), sources=(PO(expected=day(5)),)), day(6)),
	# due today: Possibly delayed; Delayed tomorrow
	(Line(ordered=10, delivery_date=TODAY, sources=(PO(expected=day(-3)),)), day(1)),
	# a work order not started: Possibly delayed the day after its planned start
	(Line(ordered=10, delivery_date=day(9), sources=(WO(expected=day(4), planned_start=day(1)),)), day(2)),
	# … started: its planned start does not matter any more
	(
		Line(
			ordered=10,
			delivery_date=day(9),
			sources=(WO(expected=day(4), planned_start=day(1), started=True),),
		),
		day(5),
	),
	# a transfer not shipped: Possibly delayed on its required-by date itself
	(Line(ordered=10, delivery_date=day(9), sources=(TO(expected=day(3)),)), day(3)),
	# only requested: the source's dates do not matter, the customer's does (due that day: Possibly delayed)
	(Line(ordered=10, delivery_date=day(9), sources=(PO(expected=day(2), requested=True),)), day(9)),
	# the customer's date passed: line and source stay Delayed whatever the source's own date
	(Line(ordered=10, delivery_date=day(-1), sources=(PO(expected=day(2)),)), None),
	# a Not booked line (nothing covers it) due today: Delayed tomorrow
	(Line(ordered=10, delivery_date=TODAY), day(1)),
	(Line(ordered=10, delivery_date=day(-1)), None),
]


@pytest.mark.parametrize("line,expected", CASES)
def test_next_change(line, expected):
	assert s.next_change(line, TODAY) == expected


def test_next_check_of_an_order_is_its_earliest_line():
	lines = [CASES[4][0], CASES[5][0], CASES[0][0]]
	assert s.next_check(lines, TODAY) == day(3)
	assert s.next_check([CASES[0][0]], TODAY) is None
	assert s.next_check([], TODAY) is None


def _lines():
	dates = (None, day(-2), day(0), day(1), day(3))
	for delivery, expected, start, kind, started, shipped, received, reserved in itertools.product(
		dates, dates, (None, day(-1), day(2)), (s.WORK_ORDER, s.PURCHASE_ORDER, s.TRANSFER),
		(False, True), (False, True), (0, 4), (0, 3),
	):  # fmt: skip
		src = Source(
			kind=kind, name="X", qty=10, received=received, expected=expected, planned_start=start,
			started=started, shipped=shipped,
		)  # fmt: skip
		yield Line(ordered=10, reserved=reserved, delivery_date=delivery, sources=(src,))
		yield Line(ordered=10, reserved=reserved, delivered=received, delivery_date=delivery)
		yield Line(ordered=10, reserved=reserved, delivery_date=delivery, is_stock_item=started)
		yield Line(ordered=10, reserved=reserved, delivery_date=delivery, sources=(src, PO(expected=day(2))))


def test_no_day_before_the_next_change_judges_differently():
	"""Brute force: for every line, each day from today up to the next change (or four weeks) judges as
	today does, and the next change itself judges differently."""
	for line in _lines():
		today_verdict = s.judgement(line, TODAY)
		change = s.next_change(line, TODAY)
		last = change or day(28)
		probe = day(1)
		while probe < last:
			assert s.judgement(line, probe) == today_verdict, (line, probe, change)
			probe += timedelta(days=1)
		if change is not None:
			assert s.judgement(line, change) != today_verdict, (line, change)
