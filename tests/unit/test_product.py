"""Product status per line and its roll-up (R3), case by case."""

import pytest

from order_mgmt.rules import product as p
from order_mgmt.rules.product import LineFacts as L

LINE_CASES = [
	(L(ordered=10), p.NOT_BOOKED),
	(L(ordered=10, reserved=6), p.NOT_BOOKED),
	(L(ordered=10, reserved=10), p.READY_FOR_SHIPMENT),
	(L(ordered=10, reserved=6, delivered=4), p.READY_FOR_SHIPMENT),
	(L(ordered=10, reserved=2, delivered=4), p.NOT_BOOKED),
	(L(ordered=10, delivered=10), p.DELIVERED),
	(L(ordered=10, delivered=12), p.DELIVERED),
	(L(ordered=5, is_stock_item=False), p.READY_FOR_SHIPMENT),
	(L(ordered=5, delivered=5, is_stock_item=False), p.DELIVERED),
]


@pytest.mark.parametrize("line,expected", LINE_CASES)
def test_line_status(line, expected):
	assert p.line_status(line) == expected


@pytest.mark.parametrize(
	"lines,expected",
	[
		([], ""),
		([p.DELIVERED, p.DELIVERED], p.DELIVERED),
		([p.DELIVERED, p.READY_FOR_SHIPMENT], p.READY_FOR_SHIPMENT),
		([p.READY_FOR_SHIPMENT, p.NOT_BOOKED], p.NOT_BOOKED),
		([p.EXPECTED_ON_TIME, p.POSSIBLY_DELAYED, p.REQUESTED], p.POSSIBLY_DELAYED),
		([p.DELAYED, p.NOT_BOOKED], p.NOT_BOOKED),
		([p.NOT_BOOKED, p.NOT_ENOUGH], p.NOT_ENOUGH),
	],
)
def test_order_roll_up(lines, expected):
	assert p.order_status(lines) == expected
