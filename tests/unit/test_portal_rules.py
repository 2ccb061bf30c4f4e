"""What the customer sees and when they are told (R17): tables of cases for rules.portal."""

from datetime import date

import pytest

from order_mgmt.rules import portal as p

D1, D2, D3 = date(2026, 12, 1), date(2026, 12, 10), date(2026, 12, 20)


@pytest.mark.parametrize(
	"status, step",
	[
		("Quotation", ""),
		("Waiting for Confirmation", ""),
		("Confirmed", "Confirmed"),
		("Waiting for Production", "In preparation"),
		("In Production", "In preparation"),
		("Ready for Shipment", "Ready for shipment"),
		("Shipped", "Shipped"),
		("Delivered", "Delivered"),
		("Archived", "Delivered"),
		("Canceled", ""),
		(None, ""),
	],
)
def test_customer_step(status, step):
	assert p.customer_step(status) == step
	assert p.step_index(status) == (p.STEPS.index(step) if step else -1)


@pytest.mark.parametrize(
	"internal, shown",
	[
		("Not booked", "In preparation"),
		("Not enough", "In preparation"),
		("Requested", "In preparation"),
		("Expected on time", "On schedule"),
		("Possibly delayed", "May be delayed"),
		("Delayed", "Delayed"),
		("Ready for shipment", "Ready for shipment"),
		("Delivered", "Delivered"),
		("", ""),
	],
)
def test_customer_line_status(internal, shown):
	assert p.customer_line_status(internal) == shown


@pytest.mark.parametrize(
	"status, source_date, promised, expected",
	[
		("Delivered", D3, D1, None),
		("Delayed", D3, D1, D3),  # a source later than promised: its date
		("Expected on time", D1, D2, D2),  # earlier than promised: the promise
		("Requested", None, D2, D2),
		("Requested", None, None, None),
	],
)
def test_expected_date(status, source_date, promised, expected):
	assert p.expected_date(status, source_date, promised) == expected


S = p.OrderState
# (state, mails, announced status, announced expected date)
ANNOUNCE = [
	(S("Confirmed", "Expected on time", None), ("confirmed",), "Confirmed", None),
	(S("Confirmed", "Expected on time", None, "Confirmed"), (), "Confirmed", None),
	(S("In Production", "Requested", D2, "Confirmed"), (), "Confirmed", None),
	# shipped: once, also when the confirmation was never announced
	(S("Shipped", "Delivered", None, "Confirmed"), ("shipped",), "Shipped", None),
	(S("Shipped", "Delivered", None, ""), ("shipped",), "Shipped", None),
	(S("Delivered", "Delivered", None, "Shipped"), (), "Shipped", None),
	(S("Archived", "Delivered", None, "Shipped"), (), "Shipped", None),
	# delayed: once per change of the expected date
	(S("Confirmed", "Delayed", D2, "Confirmed"), ("delayed",), "Confirmed", D2),
	(S("Confirmed", "Delayed", D2, "Confirmed", D2), (), "Confirmed", D2),
	(S("Confirmed", "Delayed", D3, "Confirmed", D2), ("delayed",), "Confirmed", D3),
	(S("Confirmed", "Delayed", None, "Confirmed"), (), "Confirmed", None),  # no new date to tell
	(S("Confirmed", "Possibly delayed", D3, "Confirmed", D2), (), "Confirmed", D2),
	(S("Confirmed", "Delayed", D2, ""), ("confirmed", "delayed"), "Confirmed", D2),
	# drafts and canceled orders: nothing
	(S("Quotation", "", None), (), "", None),
	(S("Canceled", "Delayed", D2, "Confirmed", D1), (), "Confirmed", D1),
]


@pytest.mark.parametrize("state, mails, told, told_date", ANNOUNCE)
def test_announcements(state, mails, told, told_date):
	a = p.announcements(state)
	assert (a.events, a.announced_status, a.announced_expected) == (mails, told, told_date)


@pytest.mark.parametrize(
	"total, outstanding, is_return, state",
	[
		(100, 100, False, "Not paid"),
		(100, 40, False, "Part paid"),
		(100, 0, False, "Paid"),
		(100, -5, False, "Paid"),
		(-40, -40, True, "Credit note"),
	],
)
def test_invoice_payment_state(total, outstanding, is_return, state):
	assert p.invoice_payment_state(total, outstanding, is_return) == state
