"""Unreconcile Payment (R7): ERPNext rewrites the payment's references by SQL there; the orders of what it
unlinks are recomputed."""

import frappe

from order_mgmt.figures import intake, money


def on_submit(doc, method=None):
	refs = [(a.reference_doctype, a.reference_name) for a in doc.get("allocations") or []]
	refs.append((doc.voucher_type, doc.voucher_no))
	if doc.voucher_type == "Payment Entry":
		refs += [
			(r.reference_doctype, r.reference_name)
			for r in frappe.get_all(
				"Payment Entry Reference",
				filters={"parent": doc.voucher_no},
				fields=["reference_doctype", "reference_name"],
			)
		]
	intake.mark_sales_orders(money.sales_orders_of_references(refs), cause=doc)
