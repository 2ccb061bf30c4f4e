"""Money truth (R7, R10): the order's invoice %, paid %, paid amount, outstanding and profit in every way
ERPNext moves money, each asserted against ERPNext's own figures — the payment ledger, the invoices'
`outstanding_amount`, the Sales Order's `per_billed` and `advance_paid`, the customer's balance in the
general ledger. Each flow is also a row of the rule tables in tests/unit/test_billing.py."""

import frappe
import pytest
from frappe.utils import add_days, flt, nowdate

from order_mgmt import compat
from order_mgmt.api import billing as billing_api
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.figures import runs
from order_mgmt.order_mgmt.report.order_invoicing_and_payments import order_invoicing_and_payments as report
from order_mgmt.services.printing import order_mgmt_payment_state
from tests.integration.factories import (
	add_stock,
	company,
	make_customer,
	make_item,
	make_order,
	refused,
	request_done,
)


@pytest.fixture(autouse=True)
def no_default_tax():
	"""Round numbers: the test site's default tax template (6 %) would go on every order (rolled back)."""
	frappe.db.set_value("Sales Taxes and Charges Template", {"is_default": 1}, "is_default", 0)


def confirmed(price=10, qty=10, stock_item=False, **kw):
	item = kw.pop("item", None) or make_item(price=price, stock_item=stock_item)
	order = make_order(items=[{"item_code": item, "qty": qty}], **kw)
	order_api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def figures(order):
	request_done()  # the user looks after their request ended
	o = frappe.get_doc("Customer Order", order.name)
	return frappe._dict(
		invoice_status=o.invoice_status,
		per_invoiced=flt(o.per_invoiced, 2),
		invoiced=flt(o.invoiced_amount, 2),
		payment_status=o.payment_status,
		per_paid=flt(o.per_paid, 2),
		paid=flt(o.paid_amount, 2),
		outstanding=flt(o.outstanding_amount, 2),
		currency=o.party_account_currency,
		revenue=flt(o.revenue_amount, 2),
		cost_of_goods=flt(o.cost_of_goods, 2),
		profit=flt(o.profit_amount, 2),
		status=o.status,
	)


def customer_balance(customer, in_account_currency=True):
	"""The customer's balance on receivable accounts in ERPNext's general ledger."""
	field = "_in_account_currency" if in_account_currency else ""
	return flt(
		frappe.db.sql(
			f"""select sum(gle.debit{field} - gle.credit{field}) from `tabGL Entry` gle
			join `tabAccount` acc on acc.name = gle.account
			where gle.party_type = 'Customer' and gle.party = %s and gle.is_cancelled = 0
				and acc.account_type = 'Receivable'""",
			customer,
		)[0][0],
		2,
	)


def invoices_outstanding(order):
	"""ERPNext's outstanding_amount of the order's invoices and credit notes, less its Sales Order's
	advances that no invoice took (Payment Ledger, as ERPNext's Payment Reconciliation shows them)."""
	names = frappe.get_all(
		"Sales Invoice Item", filters={"sales_order": order.sales_order, "docstatus": 1}, pluck="parent"
	)
	total = sum(
		flt(v)
		for v in frappe.get_all(
			"Sales Invoice", filters={"name": ("in", names or [""])}, pluck="outstanding_amount"
		)
	)
	if compat.at_least(16):
		# ERPNext v16 books an advance against the payment itself until an invoice takes it (its advance
		# ledger names the Sales Order): the open part of the payments made for the Sales Order
		advance = frappe.db.sql(
			"""select sum(amount_in_account_currency) from `tabPayment Ledger Entry`
			where delinked = 0 and against_voucher_no = voucher_no and voucher_no in (
				select voucher_no from `tabAdvance Payment Ledger Entry`
				where delinked = 0 and against_voucher_type = 'Sales Order' and against_voucher_no = %s)""",
			order.sales_order,
		)[0][0]
	else:
		advance = frappe.db.sql(
			"""select sum(amount_in_account_currency) from `tabPayment Ledger Entry`
			where delinked = 0 and against_voucher_type = 'Sales Order' and against_voucher_no = %s""",
			order.sales_order,
		)[0][0]
	return flt(total + flt(advance), 2)


def assert_agrees_with_erpnext(order):
	f = figures(order)
	assert f.outstanding == invoices_outstanding(order)
	assert f.outstanding == customer_balance(order.customer)
	return f


def submit(doc):
	doc.insert()
	doc.submit()
	return doc


def make_credit_note(invoice_name, qty=None, update_outstanding_for_self=1, update_billed=0):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	cn = make_sales_return(invoice_name)
	if qty is not None:
		for row in cn.items:
			row.qty = -qty
	cn.update_outstanding_for_self = update_outstanding_for_self
	cn.update_billed_amount_in_sales_order = update_billed
	cn.run_method("calculate_taxes_and_totals")
	return submit(cn)


def receivable(customer):
	from erpnext.accounts.party import get_party_account

	return get_party_account("Customer", customer, company())


def bank_account():
	return frappe.get_cached_value("Company", company(), "default_cash_account") or frappe.db.get_value(
		"Account", {"company": company(), "account_type": "Cash", "is_group": 0}, "name"
	)


def journal_entry(customer, amount, reference_type, reference_name, is_advance="No"):
	je = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": "Bank Entry" if reference_type == "Sales Invoice" else "Journal Entry",
			"company": company(),
			"posting_date": nowdate(),
			"cheque_no": "_T-JE",
			"cheque_date": nowdate(),
			"accounts": [
				{"account": bank_account(), "debit_in_account_currency": amount},
				{
					"account": receivable(customer),
					"party_type": "Customer",
					"party": customer,
					"credit_in_account_currency": amount,
					"reference_type": reference_type,
					"reference_name": reference_name,
					"is_advance": is_advance,
				},
			],
		}
	)
	return submit(je)


def invoice_of(result):
	return frappe.get_doc("Sales Invoice", result["sales_invoice"])


# --- credit notes and returns ----------------------------------------------------------------------------


@pytest.mark.parametrize("for_self", [1, 0])
@pytest.mark.parametrize("update_billed", [0, 1])
def test_partial_credit_note_under_both_settings(for_self, update_billed):
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	cn = make_credit_note(si.name, qty=4, update_outstanding_for_self=for_self, update_billed=update_billed)
	assert cn.update_outstanding_for_self == for_self
	f = assert_agrees_with_erpnext(order)
	# invoiced counts invoices only (the seed); 40 credited: 60 owed, nothing paid
	assert (f.invoice_status, f.per_invoiced, f.invoiced) == ("Invoiced", 100, 100)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Not paid", 0, 0, 60)
	# ERPNext: the invoice keeps 100 outstanding and the credit note -40, or the invoice 60
	assert frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount") == (100 if for_self else 60)
	so_billed = frappe.db.get_value("Sales Order", order.sales_order, "per_billed")
	assert so_billed == (60 if update_billed else 100)
	# profit: revenue net of the credit note
	assert f.revenue == 60

	# Record Payment asks for the 60 owed, not the invoice's 100
	with refused(match="more than that"):
		billing_api.record_payment(order.name, amount=61)
	billing_api.record_payment(order.name)
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Paid", 100, 60, 0)
	with refused(match="owes nothing"):
		billing_api.record_payment(order.name)


@pytest.mark.parametrize("for_self", [1, 0])
def test_full_credit_note_under_both_settings(for_self):
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	make_credit_note(si.name, update_outstanding_for_self=for_self)
	f = assert_agrees_with_erpnext(order)
	assert (f.invoice_status, f.invoiced, f.outstanding, f.paid) == ("Invoiced", 100, 0, 0)
	assert (f.payment_status, f.per_paid) == ("Paid", 100)  # nothing is owed
	assert f.revenue == 0
	for amount in (None, 1):
		with refused(frappe.ValidationError):
			billing_api.record_payment(order.name, amount=amount)


def test_credit_note_after_payment_leaves_the_customer_a_credit():
	order = confirmed(price=10, qty=10)
	billing_api.make_sales_invoice(order.name, submit=1)
	billing_api.record_payment(order.name)
	si = frappe.get_all("Sales Invoice Item", filters={"sales_order": order.sales_order}, pluck="parent")[0]
	cn = make_credit_note(si, qty=3, update_outstanding_for_self=0)
	# ERPNext switches the credit note to its own outstanding: the invoice has nothing left to lower
	assert cn.update_outstanding_for_self == 1
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.paid, f.outstanding) == ("Paid", 100, -30)


def test_returned_delivery_and_credit_note_lower_revenue_and_cost_of_goods():
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	item = make_item(price=30, stock_item=True)
	add_stock(item, 10, rate=10)
	order = confirmed(item=item, qty=10)
	dn = frappe.get_doc("Delivery Note", stock_api.make_delivery_note(order.name, submit=1)["delivery_note"])
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	ret = make_sales_return(dn.name)
	for row in ret.items:
		row.qty = -4
	submit(ret)
	cn = make_credit_note(si.name, qty=4)
	f = figures(order)
	# ERPNext's own figures: the stock ledger's value of both deliveries, the invoices' net totals
	sle = frappe.db.sql(
		"""select sum(stock_value_difference) from `tabStock Ledger Entry`
		where voucher_no in %s and is_cancelled = 0""",
		[(dn.name, ret.name)],
	)[0][0]
	assert f.cost_of_goods == flt(-sle, 2) == 60
	assert f.revenue == flt(si.base_net_total + cn.base_net_total, 2) == 180
	assert f.profit == 120


# --- every payment path ----------------------------------------------------------------------------------


def test_payment_entry_with_a_deduction_settles_the_invoice():
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	pe = get_payment_entry("Sales Invoice", si.name)
	pe.paid_amount = pe.received_amount = 95
	pe.append(
		"deductions",
		{
			"account": frappe.get_cached_value("Company", company(), "write_off_account"),
			"cost_center": frappe.get_cached_value("Company", company(), "cost_center"),
			"amount": 5,
		},
	)
	pe.reference_no, pe.reference_date = "_T-DED", nowdate()
	submit(pe)
	f = assert_agrees_with_erpnext(order)
	assert frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount") == 0
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Paid", 100, 100, 0)
	pe.reload()
	pe.cancel()
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.outstanding) == ("Not paid", 100)


def test_journal_entry_receipt_against_the_invoice():
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	je = journal_entry(order.customer, 40, "Sales Invoice", si.name)
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Part paid", 40, 40, 60)
	je.cancel()
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.outstanding) == ("Not paid", 100)


def test_journal_entry_advance_is_taken_by_the_invoice():
	order = confirmed(price=10, qty=10)
	journal_entry(order.customer, 30, "Sales Order", order.sales_order, is_advance="Yes")
	assert frappe.db.get_value("Sales Order", order.sales_order, "advance_paid") == 30
	f = assert_agrees_with_erpnext(order)
	assert (f.invoice_status, f.payment_status, f.per_paid, f.paid, f.outstanding) == (
		"Not invoiced",
		"Part paid",
		30,
		30,
		-30,
	)
	result = billing_api.make_sales_invoice(order.name, submit=1)
	assert result["advance"] == 30
	assert frappe.db.get_value("Sales Invoice", result["sales_invoice"], "outstanding_amount") == 70
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Part paid", 30, 30, 70)


@pytest.mark.parametrize("advance", [100, 40])
def test_payment_entry_advance_then_invoice_then_record_payment_charges_once(advance):
	order = confirmed(price=10, qty=10)
	with refused(match="more than that"):
		billing_api.record_payment(order.name, amount=101)  # an advance is capped at the order's total
	billing_api.record_payment(order.name, amount=advance)
	assert frappe.db.get_value("Sales Order", order.sales_order, "advance_paid") == advance
	with refused(match="more than that"):
		billing_api.record_payment(order.name, amount=100 - advance + 1)
	billing_api.make_sales_invoice(order.name, submit=1)
	f = assert_agrees_with_erpnext(order)
	assert (f.paid, f.outstanding) == (advance, 100 - advance)
	if advance == 100:
		with refused(match="owes nothing"):
			billing_api.record_payment(order.name)
		with refused(match="more than that"):
			billing_api.record_payment(order.name, amount=1)
	else:
		billing_api.record_payment(order.name)
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Paid", 100, 100, 0)
	received = frappe.db.sql(
		"""select sum(paid_amount) from `tabPayment Entry` where party = %s and docstatus = 1""",
		order.customer,
	)[0][0]
	assert received == 100  # the customer paid the order once


def test_record_payment_refuses_bad_amounts_and_writes_nothing():
	order = confirmed(price=10, qty=10)
	billing_api.make_sales_invoice(order.name, submit=1)
	for amount in (-5, 0, "0", 100.01):
		with refused(frappe.ValidationError):
			billing_api.record_payment(order.name, amount=amount)
	assert not frappe.get_all("Payment Entry", filters={"party": order.customer})
	assert figures(order).outstanding == 100


def _reconcile(customer, invoice, payment):
	pr = frappe.new_doc("Payment Reconciliation")
	pr.company = company()
	pr.party_type, pr.party = "Customer", customer
	pr.receivable_payable_account = receivable(customer)
	pr.get_unreconciled_entries()
	invoices = [x.as_dict() for x in pr.invoices if x.invoice_number == invoice]
	payments = [x.as_dict() for x in pr.payments if x.reference_name == payment]
	pr.allocate_entries(frappe._dict({"invoices": invoices, "payments": payments}))
	pr.reconcile()


def _unreconcile(payment, reference):
	unr = frappe.get_doc(
		{
			"doctype": "Unreconcile Payment",
			"company": company(),
			"voucher_type": "Payment Entry",
			"voucher_no": payment,
		}
	)
	unr.add_references()
	unr.allocations = [a for a in unr.allocations if a.reference_name == reference]
	return submit(unr)


def test_payment_reconciliation_then_unreconcile():
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	# an unallocated payment of the customer: not yet the order's
	pe = get_payment_entry("Sales Invoice", si.name)
	pe.references = []
	pe.paid_amount = pe.received_amount = 100
	pe.reference_no, pe.reference_date = "_T-UNALLOC", nowdate()
	submit(pe)
	f = figures(order)
	assert (f.payment_status, f.outstanding) == ("Not paid", 100)
	assert f.outstanding == invoices_outstanding(order)

	_reconcile(order.customer, si.name, pe.name)
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.outstanding) == ("Paid", 100, 0)

	_unreconcile(pe.name, si.name)
	f = figures(order)
	assert (f.payment_status, f.per_paid, f.outstanding) == ("Not paid", 0, 100)
	assert f.outstanding == invoices_outstanding(order)
	assert frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount") == 100


def test_unreconcile_an_advance_from_the_order():
	order = confirmed(price=10, qty=10)
	pe = billing_api.record_payment(order.name, amount=40)["payment_entries"][0]
	assert figures(order).paid == 40
	_unreconcile(pe, order.sales_order)
	# ERPNext's payment ledger no longer holds the payment against the Sales Order (its `advance_paid`
	# stays, from the Advance Payment Ledger, which Unreconcile Payment leaves alone)
	assert invoices_outstanding(order) == 0
	f = figures(order)
	assert (f.payment_status, f.paid, f.outstanding) == ("Not paid", 0, 0)


def test_cancelling_the_invoice_and_its_payment():
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	pe = frappe.get_doc(
		"Payment Entry", billing_api.record_payment(order.name, amount=25)["payment_entries"][0]
	)
	assert figures(order).per_paid == 25
	pe.cancel()
	si.reload()
	si.cancel()
	f = assert_agrees_with_erpnext(order)
	assert (f.invoice_status, f.payment_status, f.invoiced, f.outstanding) == (
		"Not invoiced",
		"Not paid",
		0,
		0,
	)


# --- currencies ------------------------------------------------------------------------------------------


def _eur_setup(rate=1.25):
	if not frappe.db.exists("Currency Exchange", {"from_currency": "EUR", "to_currency": "USD"}):
		frappe.get_doc(
			{
				"doctype": "Currency Exchange",
				"date": add_days(nowdate(), -30),
				"from_currency": "EUR",
				"to_currency": "USD",
				"exchange_rate": rate,
				"for_selling": 1,
				"for_buying": 1,
			}
		).insert()
	frappe.db.set_value("Currency", "EUR", "enabled", 1)


def _eur_receivable(customer):
	debtors = frappe.db.get_value(
		"Account", {"company": company(), "account_type": "Receivable", "is_group": 0}, "parent_account"
	)
	account = frappe.get_doc(
		{
			"doctype": "Account",
			"account_name": f"_T Debtors EUR {frappe.generate_hash(length=5)}",
			"company": company(),
			"parent_account": debtors,
			"account_type": "Receivable",
			"account_currency": "EUR",
		}
	).insert()
	doc = frappe.get_doc("Customer", customer)
	doc.append("accounts", {"company": company(), "account": account.name})
	doc.save()
	return account.name


@pytest.mark.parametrize("receivable_in", ["EUR", "USD"])
def test_order_in_euro_with_a_euro_or_a_company_currency_receivable(receivable_in):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	assert frappe.get_cached_value("Company", company(), "default_currency") == "USD"
	_eur_setup(1.25)
	customer = make_customer(default_currency="EUR")
	if receivable_in == "EUR":
		_eur_receivable(customer)
	else:
		frappe.db.set_single_value(
			"Accounts Settings", "allow_multi_currency_invoices_against_single_party_account", 1
		)
	order = confirmed(price=125, qty=1, customer=customer, currency="EUR", conversion_rate=1.25)
	assert (order.currency, flt(order.grand_total)) == ("EUR", 100)
	# what the Monthly Order Value chart adds up: the company currency
	assert flt(order.base_net_total) == 125
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	owed = 100 if receivable_in == "EUR" else 125
	assert si.party_account_currency == receivable_in
	assert flt(si.outstanding_amount) == owed

	# half paid at another rate (an exchange difference)
	pe = get_payment_entry("Sales Invoice", si.name, party_amount=owed / 2)
	if receivable_in == "EUR":
		pe.source_exchange_rate = 1.3
		pe.received_amount = pe.base_received_amount = 65
		pe.base_paid_amount = 65
	pe.reference_no, pe.reference_date = "_T-EUR", nowdate()
	submit(pe)
	f = figures(order)
	assert f.currency == receivable_in
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Part paid", 50, owed / 2, owed / 2)
	assert f.outstanding == flt(frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount"), 2)
	assert f.outstanding == customer_balance(customer)
	# profit in the company currency
	assert f.revenue == 125
	# the debt per currency, never added across currencies; the report in the company currency
	debt = billing_api.customer_debt(customer)
	assert debt["outstanding_by_currency"] == {receivable_in: owed / 2}
	row = report.get_data(frappe._dict(customer=customer))[0]
	assert (row["currency"], row["outstanding_amount"]) == ("USD", customer_balance(customer, False))
	assert row["payment_status"] == "Part paid (50.0%)"
	# Record Payment asks for the rest, in the receivable currency
	billing_api.record_payment(order.name)
	f = figures(order)
	assert (f.payment_status, f.outstanding) == ("Paid", 0)
	assert customer_balance(customer) == 0


# --- discounts and rounding ------------------------------------------------------------------------------


def test_invoice_with_an_additional_discount_that_bills_everything_is_fully_invoiced():
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name))
	si.apply_discount_on = "Grand Total"
	si.discount_amount = 10
	si.run_method("calculate_taxes_and_totals")
	si.save()
	si.submit()
	assert frappe.db.get_value("Sales Order", order.sales_order, "per_billed") == 100
	f = assert_agrees_with_erpnext(order)
	assert (f.invoice_status, f.per_invoiced, f.invoiced, f.outstanding) == ("Invoiced", 100, 90, 90)
	billing_api.record_payment(order.name)
	assert figures(order).payment_status == "Paid"


def test_percentage_invoice_of_whole_units_rounds():
	assert frappe.db.get_value("UOM", "Nos", "must_be_whole_number")
	order = confirmed(price=10, qty=3)
	result = billing_api.make_sales_invoice(order.name, percent=50, submit=1)
	assert [r["qty"] for r in result["rounded"]] == [2]
	assert frappe.db.get_value("Sales Invoice Item", {"parent": result["sales_invoice"]}, "qty") == 2
	f = figures(order)
	per_billed = frappe.db.get_value("Sales Order", order.sales_order, "per_billed")
	assert f.per_invoiced == flt(per_billed, 2) == 66.67
	# the rest: 1 left, 50 % of 3 would be 1.5, rounded to what is left
	result = billing_api.make_sales_invoice(order.name, percent=50, submit=1)
	assert frappe.db.get_value("Sales Invoice Item", {"parent": result["sales_invoice"]}, "qty") == 1
	assert figures(order).invoice_status == "Invoiced"


# --- done orders stay true -------------------------------------------------------------------------------


def test_delivered_and_archived_orders_keep_following_money_and_archiving_never_hides_debt():
	settings = frappe.get_single("Order Management Settings")
	settings.archive_enabled, settings.archive_after_days = 1, 30
	settings.save()
	item = make_item(price=10, stock_item=True)
	add_stock(item, 20)
	owing, settled = confirmed(item=item, qty=10), confirmed(item=item, qty=10)
	for order in (owing, settled):
		stock_api.make_delivery_note(order.name, submit=1)
		billing_api.make_sales_invoice(order.name, submit=1)
		order_api.complete(order.name)
		frappe.db.set_value("Customer Order", order.name, "completed_on", add_days(nowdate(), -60))
	billing_api.record_payment(settled.name)
	assert figures(settled).status == "Delivered"
	assert figures(settled).payment_status == "Paid"  # a delivered order follows its payment

	assert runs.archive_old_orders(commit=False) == [settled.name]
	assert figures(owing).status == "Delivered"
	assert owing.name in runs.open_order_names()  # the nightly safety net still looks at it
	assert billing_api.customer_debt(owing.customer)["outstanding_amount"] == 100

	# an order archived with debt (by an earlier version) still shows it and can still be paid
	frappe.db.set_value("Customer Order", owing.name, "status", "Archived")
	assert [o.name for o in billing_api.customer_debt(owing.customer)["orders"]] == [owing.name]
	assert report.get_unpaid_amount({"customer": owing.customer})["value"] == 100
	billing_api.record_payment(owing.name, amount=30)
	f = assert_agrees_with_erpnext(owing)
	assert (f.status, f.payment_status, f.outstanding) == ("Archived", "Part paid", 70)
	# a credit note on the archived order moves it too
	si = frappe.get_all("Sales Invoice Item", filters={"sales_order": owing.sales_order}, pluck="parent")[0]
	make_credit_note(si, qty=7)
	f = assert_agrees_with_erpnext(owing)
	assert (f.payment_status, f.outstanding, f.revenue) == ("Paid", 0, 30)


def test_a_revaluation_of_delivered_stock_reaches_a_delivered_orders_cost_of_goods():
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	from tests.integration.factories import warehouse

	item = make_item(price=100, stock_item=True)
	make_stock_entry(
		item_code=item,
		target=warehouse(),
		qty=10,
		rate=10,
		company=company(),
		posting_date=add_days(nowdate(), -10),
	)
	order = confirmed(item=item, qty=5)
	dn = stock_api.make_delivery_note(order.name, submit=1)["delivery_note"]
	billing_api.make_sales_invoice(order.name, submit=1)
	billing_api.record_payment(order.name)
	order_api.complete(order.name)
	assert figures(order).cost_of_goods == 50
	# a receipt booked later, dated before the first: ERPNext reposts the delivery's valuation
	make_stock_entry(
		item_code=item,
		target=warehouse(),
		qty=10,
		rate=40,
		company=company(),
		posting_date=add_days(nowdate(), -20),
	)
	sle = frappe.db.sql(
		"""select sum(stock_value_difference) from `tabStock Ledger Entry`
		where voucher_no = %s and is_cancelled = 0""",
		dn,
	)[0][0]
	assert flt(-sle, 2) != 50
	f = figures(order)
	assert (f.status, f.cost_of_goods) == ("Delivered", flt(-sle, 2))


# --- one computation -------------------------------------------------------------------------------------


def test_report_card_and_print_use_the_orders_figures():
	order = confirmed(price=10, qty=10)
	si = invoice_of(billing_api.make_sales_invoice(order.name, submit=1))
	make_credit_note(si.name, qty=2)  # own outstanding: the invoice still says 100
	billing_api.record_payment(order.name, amount=20)
	f = assert_agrees_with_erpnext(order)
	assert (f.payment_status, f.per_paid, f.paid, f.outstanding) == ("Part paid", 25, 20, 60)
	row = report.get_data(frappe._dict(customer=order.customer))[0]
	assert (row["paid_amount"], row["outstanding_amount"], row["invoiced_amount"]) == (20, 60, 80)
	assert row["payment_status"] == "Part paid (25.0%)"
	assert report.get_unpaid_amount({"customer": order.customer})["value"] == 60
	si.reload()
	state = order_mgmt_payment_state(si)
	assert (state.label, state.paid, state.outstanding, state.credited) == ("Part paid (25.0%)", 20, 60, 20)
	assert [p.amount for p in state.payments] == [20]


def test_money_is_read_with_a_constant_number_of_queries():
	from order_mgmt.figures import engine
	from tests.integration.factories import counted_queries

	def orders_with_money(n):
		names = []
		for _ in range(n):
			order = confirmed(price=10, qty=10)
			billing_api.record_payment(order.name, amount=10)  # an advance
			si = invoice_of(billing_api.make_sales_invoice(order.name, percent=50, submit=1))
			make_credit_note(si.name, qty=1)
			billing_api.record_payment(order.name, amount=20)
			names.append(order.name)
		frappe.db.sql(
			"update `tabCustomer Order` set outstanding_amount = 0 where name in %s", [tuple(names)]
		)  # force a write
		return names

	def count(names):
		with counted_queries() as queries:
			changed = engine.recompute(names)
		assert all(
			changed[n]["outstanding_amount"] == 10 for n in names
		)  # 50 - 10 advance - 10 credited - 20
		return len(queries)

	count(orders_with_money(1))  # warm the caches
	assert count(orders_with_money(1)) == count(orders_with_money(6))
