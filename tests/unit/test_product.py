"""The roll-up of line statuses to the order's product status (R3), case by case."""

import pytest

from order_mgmt.rules import product as p


@pytest.mark.parametrize(
	"lines,expected",
	[
		([], ""),
		([p.DELIVERED, p.DELIVERED], p.DELIVERED),
		([p.DELIVERED, p.READY_FOR_SHIPMENT], p.READY_FOR_SHIPMENT),
		([p.READY_FOR_SHIPMENT, p.NOT_BOOKED], p.NOT_BOOKED),
		([p.EXPECTED_ON_TIME, p.POSSIBLY_DELAYED, p.REQUESTED], p.POSSIBLY_DELAYED),
		# lateness first: an order with a late line shows it (was Not booked)
		([p.DELAYED, p.NOT_BOOKED], p.DELAYED),
		([p.NOT_ENOUGH, p.POSSIBLY_DELAYED], p.POSSIBLY_DELAYED),
		([p.NOT_BOOKED, p.NOT_ENOUGH], p.NOT_ENOUGH),
	],
)
def test_order_roll_up(lines, expected):
	assert p.order_status(lines) == expected
