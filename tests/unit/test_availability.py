"""Availability and reservation arithmetic (R5), case by case."""

import pytest

from order_mgmt.rules import availability as a


@pytest.mark.parametrize(
	"in_stock,reserved,expected", [(10, 0, 10), (10, 4, 6), (10, 10, 0), (3, 5, 0), (0, 0, 0)]
)
def test_available_to_sell(in_stock, reserved, expected):
	assert a.available_to_sell(in_stock, reserved) == expected


@pytest.mark.parametrize(
	"in_stock,reserved_total,reserved_own,expected",
	[
		(10, 0, 0, 10),  # nothing reserved: all of it
		(10, 6, 6, 10),  # all reservations are ours
		(10, 6, 0, 4),  # six held for another order
		(10, 10, 4, 4),  # only our own four
		(1, 1, 0, 0),  # the last unit is another order's
		(5, 8, 2, 0),  # more reserved for others than in stock
	],
)
def test_deliverable(in_stock, reserved_total, reserved_own, expected):
	assert a.deliverable(in_stock, reserved_total, reserved_own) == expected


@pytest.mark.parametrize(
	"qty,in_stock,reserved_total,reserved_own,expected",
	[
		(10, 10, 0, 0, False),  # all there, nothing reserved
		(15, 10, 0, 0, False),  # beyond stock, nothing reserved: ERPNext's decision (negative stock)
		(3, 0, 0, 0, False),  # none in stock, nobody's reservation: ERPNext's decision
		(15, 10, 10, 10, False),  # beyond stock, all reserved is our own: ERPNext's decision
		(4, 10, 6, 0, False),  # exactly what is free
		(5, 10, 6, 0, True),  # one of another order's six
		(10, 10, 10, 4, True),  # our four and six of another order's
		(4, 10, 10, 4, False),  # only our own four
		(1, 1, 1, 0, True),  # the last unit is another order's
		(1, 5, 8, 2, True),  # more reserved for others than in stock: nothing may go
		(6.000000001, 10, 4, 0, False),  # rounding noise
	],
)
def test_takes_reserved_for_others(qty, in_stock, reserved_total, reserved_own, expected):
	assert a.takes_reserved_for_others(qty, in_stock, reserved_total, reserved_own) is expected


# (need, in stock, reserved total, requested, qty, words of the reason)
RESERVE_CASES = [
	(10, 6, 0, None, 6, ""),  # as much as possible: partial
	(10, 20, 0, None, 10, ""),
	(10, 20, 15, None, 5, ""),
	(4, 4, 0, None, 4, ""),
	(0, 10, 0, None, 0, "already reserved"),
	(10, 6, 6, None, 0, "nothing free"),
	(10, 0, 0, None, 0, "nothing free"),
	(10, 6, 0, 6, 6, ""),  # explicit, fits
	(10, 6, 0, 7, 0, "more than is free"),
	(3, 10, 0, 4, 0, "more than the line still needs"),
	(10, 10, 0, 0, 0, "greater than 0"),
	(10, 10, 0, -1, 0, "greater than 0"),
	(1, 1, 1, 1, 0, "more than is free"),  # the last unit is taken
]


@pytest.mark.parametrize("need,in_stock,reserved,requested,qty,words", RESERVE_CASES)
def test_to_reserve(need, in_stock, reserved, requested, qty, words):
	verdict = a.to_reserve(need, in_stock, reserved, requested)
	assert verdict.qty == qty
	assert words in verdict.reason
