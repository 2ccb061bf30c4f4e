"""ERPNext documents of a confirmed order, made with ERPNext's own mappers (for report, print and
profitability tests; rolled back with the test)."""

import frappe
from frappe.utils import flt, nowdate

from tests.integration.factories import make_order, request_done


def confirmed_order(items: list[dict], **kw):
	"""A submitted Customer Order (and with it its submitted Sales Order)."""
	order = make_order(items=items, **kw)
	order.submit()
	request_done()
	return frappe.get_doc("Customer Order", order.name)


def deliver(order, qty: dict[str, float] | None = None, posting_date=None):
	"""A submitted Delivery Note of the order's Sales Order; `qty` by item code (default: all)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	dn = make_delivery_note(order.sales_order)
	if qty is not None:
		for row in dn.items:
			row.qty = qty.get(row.item_code, 0)
		dn.set("items", [r for r in dn.items if flt(r.qty) > 0])
	if posting_date:
		dn.set_posting_time = 1
		dn.posting_date = posting_date
	dn.insert()
	dn.submit()
	request_done()
	return dn


def invoice(order, qty: dict[str, float] | None = None, posting_date=None):
	"""A submitted Sales Invoice of the order's Sales Order; `qty` by item code (default: all)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	si = make_sales_invoice(order.sales_order)
	if qty is not None:
		for row in si.items:
			row.qty = qty.get(row.item_code, 0)
		si.set("items", [r for r in si.items if flt(r.qty) > 0])
	if posting_date:
		si.set_posting_time = 1
		si.posting_date = posting_date
		si.due_date = posting_date
	si.run_method("calculate_taxes_and_totals")
	si.insert()
	si.submit()
	request_done()
	return si


def pay(invoice_name: str, amount: float):
	"""A submitted Payment Entry (receive) of `amount` against a Sales Invoice."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	pe = get_payment_entry("Sales Invoice", invoice_name, party_amount=amount)
	pe.reference_no = f"_T-{frappe.generate_hash(length=6)}"
	pe.reference_date = nowdate()
	pe.insert()
	pe.submit()
	request_done()
	return pe


def production_plan(sales_orders: list[str], combine: bool = True, warehouse: str | None = None):
	"""A submitted Production Plan made from these Sales Orders as a planner makes it (Get Items from Sales
	Order, items combined or not), with its Work Orders made: ERPNext leaves a combined Work Order without a
	Sales Order. Returns the plan."""
	first = frappe.get_doc("Sales Order", sales_orders[0])
	pp = frappe.new_doc("Production Plan")
	pp.company = first.company
	pp.get_items_from = "Sales Order"
	pp.combine_items = combine
	pp.posting_date = nowdate()
	for name in sales_orders:
		so = frappe.get_doc("Sales Order", name)
		pp.append(
			"sales_orders",
			{
				"sales_order": so.name,
				"sales_order_date": so.transaction_date,
				"customer": so.customer,
				"grand_total": so.grand_total,
			},
		)
	pp.get_items()
	if warehouse:
		for row in pp.po_items:
			row.warehouse = warehouse
	pp.insert()
	pp.submit()
	pp.make_work_order()
	request_done()
	return pp


def purge_committed(orders=(), items=(), customers=(), vouchers=(), templates=()):
	"""Remove records a test had to commit (a browser or a second connection sees only committed data):
	the orders with their Sales Orders and every ERPNext document made for them (reservations, delivery
	notes, invoices, payments) with their ledger rows, then `vouchers` [(doctype, name)] such as stock
	entries, the items with their prices and bins, customers and tax templates. Commits."""
	frappe.db.rollback()
	orders = [o for o in orders if frappe.db.exists("Customer Order", o)]
	sales_orders = [
		s
		for s in frappe.get_all("Customer Order", {"name": ("in", orders or [""])}, pluck="sales_order")
		if s
	] + frappe.get_all("Sales Order", {"customer_order": ("in", orders or [""])}, pluck="name")
	sales_orders = list(set(sales_orders)) or [""]
	made = [("Stock Reservation Entry", n) for n in frappe.get_all(
		"Stock Reservation Entry", {"voucher_no": ("in", sales_orders)}, pluck="name"
	)]  # fmt: skip
	for doctype, child, link in (
		("Delivery Note", "Delivery Note Item", "against_sales_order"),
		("Sales Invoice", "Sales Invoice Item", "sales_order"),
	):
		made += [
			(doctype, n) for n in set(frappe.get_all(child, {link: ("in", sales_orders)}, pluck="parent"))
		]
	invoices = [n for d, n in made if d == "Sales Invoice"] or [""]
	made += [
		("Payment Entry", n)
		for n in set(
			frappe.get_all(
				"Payment Entry Reference", {"reference_name": ("in", sales_orders + invoices)}, pluck="parent"
			)
		)
	]
	for doctype, name in [*made, *vouchers, *(("Sales Order", s) for s in sales_orders if s)]:
		for ledger in (
			"Stock Ledger Entry",
			"GL Entry",
			"Payment Ledger Entry",
			"Advance Payment Ledger Entry",
		):
			if frappe.db.table_exists(ledger):
				frappe.db.delete(ledger, {"voucher_no": name})
		_delete(doctype, name)
	for order in orders:
		_delete("Customer Order", order)
	for doctype, name in [
		*made,
		*(("Sales Order", s) for s in sales_orders),
		*(("Customer Order", o) for o in orders),
	]:
		for log, field, ref in (
			("Comment", "reference_doctype", "reference_name"),
			("Version", "ref_doctype", "docname"),
			("Document Follow", "ref_doctype", "ref_docname"),
		):
			frappe.db.delete(log, {field: doctype, ref: name})
	for item in items:
		for table in ("Bin", "Item Price", "Item Default"):
			frappe.db.delete(table, {"parent" if table == "Item Default" else "item_code": item})
		_delete("Item", item)
	for customer in customers:
		_delete("Customer", customer)
	for template in templates:
		_delete("Sales Taxes and Charges Template", template)
	frappe.db.commit()
	frappe.clear_cache()


def _delete(doctype, name):
	for field in frappe.get_meta(doctype).get_table_fields():
		frappe.db.delete(field.options, {"parent": name, "parenttype": doctype})
	frappe.db.delete(doctype, {"name": name})
