"""What the customer sees and when they are told (R17): tables of cases for rules.portal."""

from datetime import date, timedelta

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


# delay mails: one per order within the window, never a date told before, the latest news when it ends
T0 = date(2026, 12, 7)
T1 = T0 + timedelta(days=1)
DAY_AFTER = T0 + timedelta(days=2)


def delayed(expected, told_expected=None, told_dates=(), mailed_on=None, today=T0, days=1):
	return S(
		"Confirmed",
		"Delayed",
		expected,
		"Confirmed",
		told_expected,
		told_dates=frozenset(told_dates),
		delay_mail_on=mailed_on,
		today=today,
		delay_mail_days=days,
	)


# (state, mails, announced expected date, delay dates told, last delay mail on, told no earlier than)
DELAY_MAILS = [
	# the first delay: mailed at once
	(delayed(D2), ("delayed",), D2, {D2}, T0, None),
	# a new date on the day of the last mail: waits until the window ends, nothing stored as told
	(delayed(D3, D2, {D2}, mailed_on=T0), (), D2, {D2}, T0, T1),
	# … the next day the latest date is told
	(delayed(D3, D2, {D2}, mailed_on=T0, today=T1), ("delayed",), D3, {D2, D3}, T1, None),
	# back to a date told before: remembered, never mailed again (also inside the window)
	(delayed(D2, D3, {D2, D3}, mailed_on=T1, today=T1), (), D2, {D2, D3}, T1, None),
	(delayed(D2, D3, {D2, D3}, mailed_on=T0, today=DAY_AFTER), (), D2, {D2, D3}, T0, None),
	# an order told before the dates were kept: its last announced date counts as told
	(delayed(D2, D2), (), D2, {D2}, None, None),
	(delayed(D3, D2), ("delayed",), D3, {D2, D3}, T0, None),
	# a window of three days
	(delayed(D3, D2, {D2}, mailed_on=T0, today=DAY_AFTER, days=3), (), D2, {D2}, T0, T0 + timedelta(3)),
	(
		delayed(D3, D2, {D2}, mailed_on=T0, today=T0 + timedelta(3), days=3),
		("delayed",),
		D3,
		{D2, D3},
		T0 + timedelta(3),
		None,
	),
	# no window (0 days): every new date is mailed, a repeated one still not
	(delayed(D3, D2, {D2}, mailed_on=T0, days=0), ("delayed",), D3, {D2, D3}, T0, None),
	(delayed(D2, D3, {D2, D3}, mailed_on=T0, days=0), (), D2, {D2, D3}, T0, None),
	# not delayed any more: nothing to tell, nothing waits
	(
		S(
			"Confirmed",
			"Expected on time",
			D3,
			"Confirmed",
			D2,
			told_dates=frozenset({D2}),
			delay_mail_on=T0,
			today=T0,
		),
		(),
		D2,
		{D2},
		T0,
		None,
	),
]


@pytest.mark.parametrize("state, mails, told_date, told_dates, mailed_on, due_on", DELAY_MAILS)
def test_delay_mails(state, mails, told_date, told_dates, mailed_on, due_on):
	a = p.announcements(state)
	assert (a.events, a.announced_expected, a.told_dates, a.delay_mail_on, a.delay_due_on) == (
		mails,
		told_date,
		frozenset(told_dates),
		mailed_on,
		due_on,
	)
