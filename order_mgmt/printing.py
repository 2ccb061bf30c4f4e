"""Helpers for the app's print formats (R13), offered to Jinja through the `jinja` hook.

Each gathers what a printed page needs with a few queries; the templates only lay it out."""

import frappe
from frappe import _
from frappe.contacts.doctype.address.address import get_default_address, render_address
from frappe.utils import flt
from frappe.utils.html_utils import sanitize_html
from markupsafe import Markup


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
	"""What is paid of an invoice and by which payments (Payment Entries and advances)."""
	total = flt(invoice.get("rounded_total") or invoice.get("grand_total"))
	outstanding = flt(invoice.get("outstanding_amount"))
	paid = flt(total - outstanding, 2)
	if invoice.get("docstatus") != 1 or paid <= 0.005:
		label = _("Not paid")
	elif outstanding <= 0.005:
		label = _("Paid")
	else:
		label = _("Part paid ({0}%)").format(flt(100 * paid / total, 1) if total else 0)
	payments = []
	if invoice.get("name") and invoice.get("docstatus") == 1:
		ref = frappe.qb.DocType("Payment Entry Reference")
		pe = frappe.qb.DocType("Payment Entry")
		payments = (
			frappe.qb.from_(ref)
			.join(pe)
			.on(pe.name == ref.parent)
			.select(
				pe.name,
				pe.posting_date,
				pe.mode_of_payment,
				pe.reference_no,
				ref.allocated_amount.as_("amount"),
			)
			.where(
				(ref.reference_doctype == "Sales Invoice")
				& (ref.reference_name == invoice.name)
				& (pe.docstatus == 1)
			)
			.orderby(pe.posting_date)
		).run(as_dict=True)
	for adv in invoice.get("advances") or []:
		if flt(adv.allocated_amount):
			payments.append(
				frappe._dict(
					name=adv.reference_name,
					posting_date=None,
					mode_of_payment=_("Advance"),
					reference_no="",
					amount=flt(adv.allocated_amount),
				)
			)
	return frappe._dict(label=label, total=total, paid=paid, outstanding=outstanding, payments=payments)
