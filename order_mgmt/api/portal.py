"""The customer portal's PDFs (R17): `GET /api/method/order_mgmt.api.portal.download_pdf?order=…[&invoice=…]`, in
the app's fixed formats, for the customer's own confirmed orders only (the former
`order_mgmt.portal.download_pdf` path stays valid).
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from order_mgmt.portal.orders import (
	INVOICE_PRINT_FORMAT,
	ORDER_PRINT_FORMAT,
	customers_of_user,
	get_order,
	invoices,
)


@frappe.whitelist()
def download_pdf(order: str, invoice: str | None = None):
	"""The order's confirmation, or one of its invoices, as PDF for the customer's portal user, in the fixed
	customer formats. Anything not theirs answers as missing."""
	customers = customers_of_user()
	row = get_order(order, customers)
	if invoice:
		if not isinstance(invoice, str) or invoice not in {
			i.name for i in invoices(row.sales_order, row.customer)
		}:
			frappe.throw(
				_("Invoice {0} not found.").format(escape_html(str(invoice))),
				frappe.DoesNotExistError,
				title=_("Not Found"),
			)
		doctype, name, print_format = "Sales Invoice", invoice, INVOICE_PRINT_FORMAT
	else:
		doctype, name, print_format = "Customer Order", row.name, ORDER_PRINT_FORMAT
	if not frappe.db.exists("Print Format", {"name": print_format, "doc_type": doctype, "disabled": 0}):
		# never Frappe's fallback to the Standard format (it prints internal fields)
		frappe.throw(
			_("The print format {0} is not available. Please ask the company to enable it.").format(
				escape_html(print_format)
			),
			frappe.DoesNotExistError,
			title=_("Not Available"),
		)
	# the fixed customer formats as they are: no print settings, letterhead or PDF generator from the request
	for key in ("settings", "letterhead", "no_letterhead", "pdf_generator", "format", "trigger_print"):
		frappe.form_dict.pop(key, None)
	doc = frappe.get_doc(doctype, name)
	# the user's right to this document was checked above; Frappe's print check asks for a role
	# permission the portal user does not have (and must not have: it would open every print format)
	previous = frappe.flags.ignore_print_permissions
	frappe.flags.ignore_print_permissions = True
	try:
		pdf = frappe.get_print(doctype, name, print_format, doc=doc, as_pdf=True)
	finally:
		frappe.flags.ignore_print_permissions = previous
	frappe.local.response.filename = f"{name.replace(' ', '-').replace('/', '-')}.pdf"
	frappe.local.response.filecontent = pdf
	frappe.local.response.type = "pdf"
