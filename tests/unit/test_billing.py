"""Invoice and payment status (R7), case by case."""

import pytest

from order_mgmt.rules import billing as b
from order_mgmt.rules.billing import Invoice as I


@pytest.mark.parametrize(
	"part,whole,expected",
	[(1, 3, 33.33), (2, 3, 66.67), (50, 100, 50.0), (0, 100, 0.0), (5, 0, 0.0), (100.005, 100, 100.01)],
)
def test_percent_rounds_to_two_decimals(part, whole, expected):
	assert b.percent(part, whole) == expected


# (order net, invoiced net, status, %)
INVOICE_CASES = [
	(100, 0, b.NOT_INVOICED, 0),
	(100, 0.004, b.NOT_INVOICED, 0),
	(100, 50, b.PART_INVOICED, 50),
	(300, 100, b.PART_INVOICED, 33.33),
	(100, 99.99, b.PART_INVOICED, 99.99),
	(100, 99.996, b.INVOICED, 100),
	(100, 100, b.INVOICED, 100),
	# over-billing within ERPNext's allowance: invoiced, with the real share
	(100, 110, b.INVOICED, 110),
	# an order of zero value that is invoiced
	(0, 10, b.INVOICED, 100),
]


@pytest.mark.parametrize("net,invoiced,status,pct", INVOICE_CASES)
def test_invoice_status(net, invoiced, status, pct):
	assert b.invoice_status(net, invoiced) == (status, pct)


# (invoiced total, paid, order total, status, %)
PAYMENT_CASES = [
	(0, 0, 100, b.NOT_PAID, 0),
	(100, 0, 100, b.NOT_PAID, 0),
	(100, 30, 100, b.PART_PAID, 30),
	(300, 100, 300, b.PART_PAID, 33.33),
	(100, 99.999, 100, b.PAID, 100),
	(100, 100, 100, b.PAID, 100),
	(100, 120, 100, b.PAID, 100),
	# half invoiced, that half paid in full: paid (the share of the invoiced total)
	(50, 50, 100, b.PAID, 100),
	# an advance before any invoice: part paid, measured against the order
	(0, 20, 100, b.PART_PAID, 20),
	(0, 100, 100, b.PART_PAID, 100),
]


@pytest.mark.parametrize("invoiced,paid,order_total,status,pct", PAYMENT_CASES)
def test_payment_status(invoiced, paid, order_total, status, pct):
	assert b.payment_status(invoiced, paid, order_total) == (status, pct)


def test_billing_counts_only_submitted_invoices_that_are_not_returns():
	invoices = [
		I(net_amount=50, grand_total=53, outstanding=53),
		I(net_amount=50, grand_total=53, outstanding=53, docstatus=0),  # draft
		I(net_amount=50, grand_total=53, outstanding=0, docstatus=2),  # cancelled
		I(net_amount=-20, grand_total=-21.2, outstanding=0, is_return=True),  # credit note
	]
	r = b.billing(100, 106, invoices)
	assert (r.invoice_status, r.per_invoiced, r.invoiced_amount) == (b.PART_INVOICED, 50, 53)
	assert (r.payment_status, r.per_paid, r.paid_amount, r.outstanding_amount) == (b.NOT_PAID, 0, 0, 53)


def test_billing_chain_of_the_issue():
	"""10 units à 10, no tax: invoice 50 %, the rest, pay 30 %, the rest, cancel the last payment."""
	half = dict(net_amount=50, grand_total=50)
	steps = [
		([I(**half, outstanding=50)], (b.PART_INVOICED, 50, b.NOT_PAID, 0, 50)),
		([I(**half, outstanding=50), I(**half, outstanding=50)], (b.INVOICED, 100, b.NOT_PAID, 0, 100)),
		([I(**half, outstanding=20), I(**half, outstanding=50)], (b.INVOICED, 100, b.PART_PAID, 30, 70)),
		([I(**half, outstanding=0), I(**half, outstanding=0)], (b.INVOICED, 100, b.PAID, 100, 0)),
		([I(**half, outstanding=20), I(**half, outstanding=50)], (b.INVOICED, 100, b.PART_PAID, 30, 70)),
	]
	for invoices, expected in steps:
		r = b.billing(100, 100, invoices)
		assert (
			r.invoice_status,
			r.per_invoiced,
			r.payment_status,
			r.per_paid,
			r.outstanding_amount,
		) == expected


def test_an_unallocated_advance_counts_as_paid_and_lowers_the_debt():
	r = b.billing(100, 100, [I(net_amount=100, grand_total=100, outstanding=100)], unallocated_advance=40)
	assert (r.payment_status, r.per_paid, r.paid_amount, r.outstanding_amount) == (b.PART_PAID, 40, 40, 60)
	r = b.billing(100, 100, [], unallocated_advance=25)
	assert (r.invoice_status, r.payment_status, r.per_paid, r.outstanding_amount) == (
		b.NOT_INVOICED,
		b.PART_PAID,
		25,
		0,
	)
