"""Work Orders count as booked when their parts are there (issue 28 item 7): the pure rule
`rules.work_orders.parts_booked` as a table of cases — Work Orders take turns per part and warehouse by
planned start, then creation."""

from datetime import datetime

import pytest

from order_mgmt.rules.work_orders import PartsNeed, parts_booked

P, Q, W, X = "PART-P", "PART-Q", "Stores", "Other"
MON, TUE, WED = datetime(2026, 12, 7, 8), datetime(2026, 12, 8, 8), datetime(2026, 12, 9, 8)


def wo(name, start, *needs, creation=""):
	return PartsNeed(name, start, creation or name, tuple(needs))


# (case, work orders, free stock by (part, warehouse), expected {work order: booked})
CASES = [
	("every part in stock: booked at once", [wo("A", MON, ((P, W), 4))], {(P, W): 4}, {"A": True}),
	("a part short: not booked", [wo("A", MON, ((P, W), 5))], {(P, W): 4}, {"A": False}),
	("a part elsewhere does not count", [wo("A", MON, ((P, W), 4))], {(P, X): 10}, {"A": False}),
	("nothing left to transfer or consume: booked", [wo("A", MON, ((P, W), 0))], {}, {"A": True}),
	(
		"two parts: both must fit",
		[wo("A", MON, ((P, W), 2), ((Q, W), 3))],
		{(P, W): 2, (Q, W): 2},
		{"A": False},
	),
	(
		"the earlier planned start goes first",
		[wo("LATE", TUE, ((P, W), 4)), wo("EARLY", MON, ((P, W), 4))],
		{(P, W): 6},
		{"EARLY": True, "LATE": False},
	),
	(
		"same planned start: the earlier created first",
		[wo("B", MON, ((P, W), 4), creation="2"), wo("A", MON, ((P, W), 4), creation="1")],
		{(P, W): 4},
		{"A": True, "B": False},
	),
	(
		"a Work Order ahead that does not fit still takes its turn",
		[wo("FIRST", MON, ((P, W), 10)), wo("SECOND", TUE, ((P, W), 2))],
		{(P, W): 6},
		{"FIRST": False, "SECOND": False},
	),
	(
		"one ahead on another part does not matter",
		[wo("FIRST", MON, ((Q, W), 10)), wo("SECOND", TUE, ((P, W), 2))],
		{(P, W): 2, (Q, W): 0},
		{"FIRST": False, "SECOND": True},
	),
	(
		"room for both",
		[wo("A", MON, ((P, W), 3)), wo("B", TUE, ((P, W), 3)), wo("C", WED, ((P, W), 1))],
		{(P, W): 6},
		{"A": True, "B": True, "C": False},
	),
	(
		"no planned start: last",
		[wo("NONE", None, ((P, W), 3)), wo("A", WED, ((P, W), 3))],
		{(P, W): 3},
		{"A": True, "NONE": False},
	),
]


@pytest.mark.parametrize("case, orders, free, expected", CASES, ids=[c[0] for c in CASES])
def test_parts_booked(case, orders, free, expected):
	assert parts_booked(orders, free) == expected
