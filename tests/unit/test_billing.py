"""Invoice and payment status (R7), case by case."""

import pytest

from order_mgmt.rules import billing as b
from order_mgmt.rules.billing import Money as M


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


# Each row is one flow ERPNext moves money in, as the order sees it after that flow (all amounts in the
# receivable account's currency): (case, Money, (invoice status, %, invoiced, payment status, %, paid,
# outstanding, credited)). The integration tests make the same flows with real documents.
FLOWS = [
	("nothing yet", M(100, 100), (b.NOT_INVOICED, 0, 0, b.NOT_PAID, 0, 0, 0, 0)),
	(
		"half invoiced",
		M(100, 100, 50, invoiced=50, ledger_outstanding=50),
		(b.PART_INVOICED, 50, 50, b.NOT_PAID, 0, 0, 50, 0),
	),
	(
		"invoiced, 30 paid by a Payment Entry",
		M(100, 100, 100, invoiced=100, ledger_outstanding=70),
		(b.INVOICED, 100, 100, b.PART_PAID, 30, 30, 70, 0),
	),
	(
		"Payment Entry of 95 with a 5 write-off (deduction) settles the invoice",
		M(100, 100, 100, invoiced=100, ledger_outstanding=0),
		(b.INVOICED, 100, 100, b.PAID, 100, 100, 0, 0),
	),
	(
		"Journal Entry receipt of 40 against the invoice",
		M(100, 100, 100, invoiced=100, ledger_outstanding=60),
		(b.INVOICED, 100, 100, b.PART_PAID, 40, 40, 60, 0),
	),
	(
		"advance of 20 before any invoice (Payment or Journal Entry against the Sales Order)",
		M(100, 100, advance=20),
		(b.NOT_INVOICED, 0, 0, b.PART_PAID, 20, 20, -20, 0),
	),
	(
		"advance of 20 not yet taken by the invoice",
		M(100, 100, 100, invoiced=100, ledger_outstanding=100, advance=20),
		(b.INVOICED, 100, 100, b.PART_PAID, 20, 20, 80, 0),
	),
	(
		"advance of 20 taken by the invoice (allocated): the same figures",
		M(100, 100, 100, invoiced=100, ledger_outstanding=80),
		(b.INVOICED, 100, 100, b.PART_PAID, 20, 20, 80, 0),
	),
	(
		"partial credit note of 40, either setting (own outstanding -40, or the invoice's lowered)",
		M(100, 100, 100, invoiced=100, credited=40, ledger_outstanding=60),
		(b.INVOICED, 100, 100, b.NOT_PAID, 0, 0, 60, 40),
	),
	(
		"partial credit note of 40 after 30 were paid",
		M(100, 100, 100, invoiced=100, credited=40, ledger_outstanding=30),
		(b.INVOICED, 100, 100, b.PART_PAID, 50, 30, 30, 40),
	),
	(
		"full credit note of an unpaid invoice: nothing owed",
		M(100, 100, 100, invoiced=100, credited=100, ledger_outstanding=0),
		(b.INVOICED, 100, 100, b.PAID, 100, 0, 0, 100),
	),
	(
		"full credit note of a paid invoice: the customer has a credit",
		M(100, 100, 100, invoiced=100, credited=100, ledger_outstanding=-100),
		(b.INVOICED, 100, 100, b.PAID, 100, 100, -100, 100),
	),
	(
		"invoice with an additional discount of 10 bills every line: 100 % invoiced",
		M(100, 100, 100, invoiced=90, ledger_outstanding=90),
		(b.INVOICED, 100, 90, b.NOT_PAID, 0, 0, 90, 0),
	),
	(
		"EUR order, USD receivable at 1.25: half paid is 50 %, in USD",
		M(125, 100, 100, invoiced=125, ledger_outstanding=62.5),
		(b.INVOICED, 100, 125, b.PART_PAID, 50, 62.5, 62.5, 0),
	),
	(
		"overpaid by an advance larger than the invoice",
		M(100, 100, 50, invoiced=50, ledger_outstanding=50, advance=80),
		(b.PART_INVOICED, 50, 50, b.PAID, 100, 80, -30, 0),
	),
	(
		"unreconciled payment (back to unallocated, not against the order): unpaid again",
		M(100, 100, 100, invoiced=100, ledger_outstanding=100),
		(b.INVOICED, 100, 100, b.NOT_PAID, 0, 0, 100, 0),
	),
]


@pytest.mark.parametrize("case,money,expected", FLOWS, ids=[f[0] for f in FLOWS])
def test_billing_in_every_flow(case, money, expected):
	r = b.billing(money)
	assert (
		r.invoice_status,
		r.per_invoiced,
		r.invoiced_amount,
		r.payment_status,
		r.per_paid,
		r.paid_amount,
		r.outstanding_amount,
		r.credited_amount,
	) == expected


def test_billing_chain_of_the_issue():
	"""10 units a 10, no tax: invoice 50 %, the rest, pay 30 %, the rest, cancel the last payment."""
	steps = [
		(M(100, 100, 50, invoiced=50, ledger_outstanding=50), (b.PART_INVOICED, 50, b.NOT_PAID, 0, 50)),
		(M(100, 100, 100, invoiced=100, ledger_outstanding=100), (b.INVOICED, 100, b.NOT_PAID, 0, 100)),
		(M(100, 100, 100, invoiced=100, ledger_outstanding=70), (b.INVOICED, 100, b.PART_PAID, 30, 70)),
		(M(100, 100, 100, invoiced=100, ledger_outstanding=0), (b.INVOICED, 100, b.PAID, 100, 0)),
		(M(100, 100, 100, invoiced=100, ledger_outstanding=70), (b.INVOICED, 100, b.PART_PAID, 30, 70)),
	]
	for money, expected in steps:
		r = b.billing(money)
		assert (
			r.invoice_status,
			r.per_invoiced,
			r.payment_status,
			r.per_paid,
			r.outstanding_amount,
		) == expected


# (case, Money, most Record Payment may take)
PAYABLE = [
	("nothing invoiced: the whole order as an advance", M(100, 100), 100),
	("an advance of 100 covered the order: nothing more", M(100, 100, advance=100), 0),
	(
		"advance 100 taken by the invoice: nothing more (no second charge)",
		M(100, 100, 100, invoiced=100, ledger_outstanding=0),
		0,
	),
	("half invoiced and unpaid: the whole order", M(100, 100, 50, invoiced=50, ledger_outstanding=50), 100),
	("invoiced, 30 paid", M(100, 100, 100, invoiced=100, ledger_outstanding=70), 70),
	(
		"credit note of 40 on an unpaid invoice",
		M(100, 100, 100, invoiced=100, credited=40, ledger_outstanding=60),
		60,
	),
	("fully credited", M(100, 100, 100, invoiced=100, credited=100, ledger_outstanding=0), 0),
	("over-billed within the allowance", M(100, 100, 110, invoiced=110, ledger_outstanding=110), 110),
]


@pytest.mark.parametrize("case,money,limit", PAYABLE, ids=[p[0] for p in PAYABLE])
def test_payable(case, money, limit):
	assert b.payable(money) == limit


# (amount, open invoices oldest first, what invoices and credit notes hold together, parts, advance)
ALLOCATE = [
	(70, [("SI-1", 100)], 100, [("SI-1", 70)], 0),
	(150, [("SI-1", 100)], 100, [("SI-1", 100)], 50),
	(80, [("SI-1", 30), ("SI-2", 50)], 80, [("SI-1", 30), ("SI-2", 50)], 0),
	# a credit note of 40 keeps its own outstanding (-40): the invoice gets at most 60
	(60, [("SI-1", 100)], 60, [("SI-1", 60)], 0),
	(20, [], 0, [], 20),
]


@pytest.mark.parametrize("amount,open_invoices,debt,parts,advance", ALLOCATE)
def test_allocate(amount, open_invoices, debt, parts, advance):
	assert b.allocate(amount, open_invoices, debt) == (parts, advance)


# (share of 7 units, left to invoice, quantity invoiced)
WHOLE = [(3.5, 7, 4), (2.1, 7, 2), (0.35, 7, 0), (7, 7, 7), (3.5, 3, 3), (2.5, 2.5, 2)]


@pytest.mark.parametrize("qty,ceiling,expected", WHOLE)
def test_whole_quantities_when_invoicing_a_share(qty, ceiling, expected):
	assert b.whole_qty(qty, ceiling) == expected
