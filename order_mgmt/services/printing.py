"""Helpers for the app's print formats (R13), offered to Jinja through the `jinja` hook.

Each gathers what a printed page needs with a few queries; the templates only lay it out.

A print shows only what its caller may read (issue 23): every format starts with `order_mgmt_stored`, which
refuses a document of another doctype and one never saved, and hands the template the document *as stored*,
re-read by name, with Frappe's print check (read or print right, website permission or share key) asked on
that stored document. Frappe's print endpoints accept a document made up by the client (a JSON `doc`): its
fields, `name` included, claim nothing. The helpers below read other documents only through the stored
document (its own addresses, its own payments, the orders its own lines bill); handed anything else, they
check it the same way first.
"""

import weakref

import frappe
from frappe import _
from frappe.contacts.doctype.address.address import get_default_address, render_address
from frappe.query_builder.functions import Coalesce, Max, NullIf, Sum
from frappe.utils import cint, escape_html, flt
from frappe.utils.html_utils import sanitize_html
from markupsafe import Markup

from order_mgmt.rules import billing


def order_mgmt_stored(doc, doctype: str):
	"""The document a print format of `doctype` prints: `doc` as stored in the database. Refused when `doc`
	is of another doctype or was never saved; the caller's print right is checked on the stored document
	(unless Frappe's or the portal's own print path has checked it: `frappe.flags.ignore_print_permissions`,
	which no request can set; the stored document is printed then too)."""
	from frappe.www.printview import convert_markdown, validate_print_permission

	given = doc.get("doctype") if doc is not None and hasattr(doc, "get") else None
	if given != doctype:
		frappe.throw(
			_("This print format prints a {0}, not a {1}: choose a print format of {1}.").format(
				_(doctype), escape_html(_(str(given or "")))
			),
			frappe.ValidationError,
			title=_("Wrong Print Format"),
		)
	name = doc.get("name")
	if not isinstance(name, str) or not name or not frappe.db.exists(doctype, name):
		frappe.throw(
			_("Only a saved {0} is printed: save it first.").format(_(doctype)),
			frappe.ValidationError,
			title=_("Not Saved"),
		)
	stored = frappe.get_doc(doctype, name)
	if not frappe.flags.ignore_print_permissions:
		try:
			validate_print_permission(stored)
		except frappe.PermissionError:
			# (raised inside the template, Frappe reports it as a print format error with this message)
			frappe.throw(
				_("You may not print {0} {1}.").format(_(doctype), frappe.bold(escape_html(name))),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)
	if cint(doc.get("docstatus")) != stored.docstatus:
		# Frappe judged draft and cancelled prints (Print Settings) on the state it was handed
		frappe.throw(
			_("{0} {1} has changed since it was opened: reload it and print again.").format(
				_(doctype), frappe.bold(escape_html(name))
			),
			frappe.ValidationError,
			title=_("Reload"),
		)
	flags = getattr(doc, "flags", None)
	if isinstance(flags, dict) and flags.get("in_print"):
		# what Frappe's print does to the document before rendering it
		settings = flags.get("print_settings")
		stored.flags.in_print = True
		stored.flags.print_settings = settings
		stored.run_method("before_print", settings)
		convert_markdown(stored)
	_checked()[id(stored)] = stored
	return stored


def _checked() -> weakref.WeakValueDictionary:
	"""The documents `order_mgmt_stored` returned in this request (by identity)."""
	if frappe.flags.order_mgmt_printed is None:
		frappe.flags.order_mgmt_printed = weakref.WeakValueDictionary()
	return frappe.flags.order_mgmt_printed


def _printed(doc, doctype: str | None = None):
	"""`doc` when `order_mgmt_stored` returned it, else the stored document checked now."""
	if doc is not None and _checked().get(id(doc)) is doc:
		return doc
	return order_mgmt_stored(doc, doctype or (doc.get("doctype") if hasattr(doc, "get") else None))


def _address_html(address_name: str | None, link_doctype: str, link_name: str | None) -> str:
	"""An address of the party (linked to it), or one the caller may read; nothing else."""
	if not address_name or not link_name:
		return ""
	linked = frappe.db.exists(
		"Dynamic Link",
		{
			"parenttype": "Address",
			"parent": address_name,
			"link_doctype": link_doctype,
			"link_name": link_name,
		},
	)
	if not linked and not (
		frappe.db.exists("Address", address_name)
		and frappe.has_permission("Address", "read", doc=address_name)
	):
		return ""
	return render_address(address_name, check_permissions=False) or ""


def order_mgmt_addresses(doc) -> frappe._dict:
	"""The company's and the customer's address (rendered with their address templates), of the stored
	printed document: an address is shown when it belongs to that party (or the caller may read it)."""
	from erpnext.setup.doctype.company.company import get_default_company_address

	doc = _printed(doc)
	company_address = doc.get("company_address") or get_default_company_address(doc.company)
	customer_address = doc.get("customer_address") or (
		frappe.db.get_value("Customer", doc.customer, "customer_primary_address")
		or get_default_address("Customer", doc.customer)
	)
	return frappe._dict(
		company=_address_html(company_address, "Company", doc.company),
		customer=_address_html(customer_address, "Customer", doc.customer),
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
	(`Customer Order.sales_order`: a Sales Order's own `customer_order` is not trusted), of the invoice's own
	customer (a line naming another customer's Sales Order shows nothing of it)."""
	invoice = _printed(invoice, "Sales Invoice")
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
		.where(so.name.isin(sales_orders) & (co.customer == invoice.customer))
		.orderby(co.name)
	).run(as_dict=True)


def order_mgmt_payment_state(invoice) -> frappe._dict:
	"""What is paid of an invoice and by which payments, by the same rules as the order's figures
	(`rules.billing`): ERPNext's payment ledger against the invoice and its credit notes (either way ERPNext
	settles them), three queries. Amounts in the invoice's currency (converted at the invoice's rate when
	the receivable account is in the company currency). Of the stored invoice only."""
	invoice = _printed(invoice, "Sales Invoice")
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
