"""Helpers for the app's print formats (R13), offered to Jinja through the `jinja` hook.

Each gathers what a printed page needs with a few queries; the templates only lay it out."""

import frappe
from frappe import _
from frappe.contacts.doctype.address.address import get_default_address, render_address
from frappe.query_builder.functions import Coalesce, Max, NullIf, Sum
from frappe.utils import flt
from frappe.utils.html_utils import sanitize_html
from markupsafe import Markup

from order_mgmt.rules import billing


def _address_html(address_name: str | None) -> str:
	if not address_name:
		return ""
	return render_address(address_name, check_permissions=False) or ""


def order_mgmt_addresses(doc) -> frappe._dict:
	"""The company's and the customer's address (rendered with their address templates)."""
	from erpnext.setup.doctype.company.company import get_default_company_address

	company_address = doc.get("company_address") or get_default_company_address(doc.company)
	customer_address = doc.get("customer_address") or (
		frappe.db.get_value("Customer", doc.customer, "customer_primary_address")
		or get_default_address("Customer", doc.customer)
	)
	return frappe._dict(
		company=_address_html(company_address),
		customer=_address_html(customer_address),
		company_tax_id=frappe.db.get_value("Company", doc.company, "tax_id") or "",
		customer_tax_id=frappe.db.get_value("Customer", doc.customer, "tax_id") or "",
	)


def order_mgmt_safe_html(html) -> Markup:
	"""Rich text (a Text Editor's value) or a rendered address, as HTML that runs nothing: sanitised here at
	print time. Frappe's save-time sanitiser passes values that look like JSON; those are escaped."""
	if not html:
		return Markup("")
	return Markup(sanitize_html(str(html), always_sanitize=True))


def order_mgmt_invoice_orders(invoice) -> list[frappe._dict]:
	"""The Customer Orders an invoice bills: its lines' Sales Orders → the orders confirmed with them
	(`Customer Order.sales_order`: a Sales Order's own `customer_order` is not trusted)."""
	sales_orders = list({d.sales_order for d in invoice.get("items") or [] if d.get("sales_order")})
	if not sales_orders:
		return []
	so = frappe.qb.DocType("Sales Order")
	co = frappe.qb.DocType("Customer Order")
	return (
		frappe.qb.from_(so)
		.join(co)
		.on(co.sales_order == so.name)
		.select(co.name, co.order_date, co.delivery_date, co.title, so.name.as_("sales_order"))
		.where(so.name.isin(sales_orders))
		.orderby(co.name)
	).run(as_dict=True)


def order_mgmt_payment_state(invoice) -> frappe._dict:
	"""What is paid of an invoice and by which payments, by the same rules as the order's figures
	(`rules.billing`): ERPNext's payment ledger against the invoice and its credit notes (either way ERPNext
	settles them), three queries. Amounts in the invoice's currency (converted at the invoice's rate when
	the receivable account is in the company currency)."""
	total = flt(invoice.get("rounded_total") or invoice.get("grand_total"))
	if invoice.get("docstatus") != 1 or not invoice.get("name") or invoice.get("is_return"):
		return frappe._dict(label=_("Not paid"), total=total, paid=0.0, outstanding=total, payments=[])
	in_party = invoice.get("party_account_currency") in (None, "", invoice.get("currency"))
	rate = 1.0 if in_party else (flt(invoice.get("conversion_rate")) or 1.0)
	party_total = (
		total if in_party else flt(invoice.get("base_rounded_total") or invoice.get("base_grand_total"))
	)
	si = frappe.qb.DocType("Sales Invoice")
	credit_notes = (
		frappe.qb.from_(si)
		.select(si.name, Coalesce(NullIf(si.base_rounded_total, 0), si.base_grand_total).as_("base_total"))
		.select(Coalesce(NullIf(si.rounded_total, 0), si.grand_total).as_("total"))
		.where((si.return_against == invoice.name) & (si.docstatus == 1) & (si.is_return == 1))
	).run(as_dict=True)
	credited = -sum(flt(c.total if in_party else c.base_total) for c in credit_notes)
	ple = frappe.qb.DocType("Payment Ledger Entry")
	rows = (
		frappe.qb.from_(ple)
		.select(
			ple.voucher_type,
			ple.voucher_no,
			Max(ple.posting_date).as_("posting_date"),
			Sum(ple.amount_in_account_currency).as_("amount"),
		)
		.where(
			(ple.delinked == 0)
			& (ple.against_voucher_type == "Sales Invoice")
			& ple.against_voucher_no.isin([invoice.name, *(c.name for c in credit_notes)])
		)
		.groupby(ple.voucher_type, ple.voucher_no)
		.orderby(Max(ple.posting_date))
	).run(as_dict=True)
	money = billing.Money(
		order_total=party_total,
		invoiced=party_total,
		credited=credited,
		ledger_outstanding=sum(flt(r.amount) for r in rows),
	)
	state = billing.billing(money)
	if state.payment_status == billing.PART_PAID:
		label = _("Part paid ({0}%)").format(flt(state.per_paid, 1))
	else:
		label = _(state.payment_status)
	payers = [r for r in rows if r.voucher_type in ("Payment Entry", "Journal Entry") and flt(r.amount) < 0]
	modes = dict(
		frappe.get_all(
			"Payment Entry",
			filters={"name": ("in", [r.voucher_no for r in payers] or [""])},
			fields=["name", "mode_of_payment"],
			as_list=True,
		)
	)
	payments = [
		frappe._dict(
			name=r.voucher_no,
			posting_date=r.posting_date,
			mode_of_payment=modes.get(r.voucher_no) or _(r.voucher_type),
			reference_no="",
			amount=flt(-flt(r.amount) / rate, 2),
		)
		for r in payers
	]
	return frappe._dict(
		label=label,
		total=total,
		paid=flt(state.paid_amount / rate, 2),
		outstanding=flt(state.outstanding_amount / rate, 2),
		credited=flt(state.credited_amount / rate, 2),
		payments=payments,
	)
