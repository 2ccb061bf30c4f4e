"""Supply of a Customer Order's lines (R4): Work Orders, Purchase Orders and Material Requests from its Sales
Order, through ERPNext's mappers, and the sources of each line.

REST: `POST /api/method/order_mgmt.api.supply.<action>` (the former `order_mgmt.api.fulfilment.<action>`
paths stay valid)."""

import json

import frappe
from frappe import _
from frappe.utils import escape_html, flt

from order_mgmt import compat
from order_mgmt.api.common import chosen_lines, order_for
from order_mgmt.figures import intake
from order_mgmt.permissions import assert_may_create
from order_mgmt.services.transactions import one_action


@frappe.whitelist()
@frappe.read_only()
def get_sources(name: str | None = None) -> list[dict]:
	"""Per line: where its goods come from, each source with its status (as stored by the last recompute)."""
	order = order_for(name, "read")
	return [
		{
			"line": d.name,
			"idx": d.idx,
			"item_code": d.item_code,
			"product_status": d.product_status,
			"expected_date": d.expected_date,
			"sources": (d.sources or "").splitlines(),
		}
		for d in order.items
	]


@frappe.whitelist(methods=["POST"])
@one_action
def make_work_orders(name: str | None = None, items: str | list | dict | None = None) -> dict:
	"""Draft Work Orders for the order's lines that have a default BOM and no work order yet (ERPNext's
	own `make_work_orders`), linked to the Sales Order lines."""
	order = order_for(name, "write", "plan production for")
	assert_may_create("Work Order")
	from erpnext.selling.doctype.sales_order.sales_order import get_work_order_items
	from erpnext.selling.doctype.sales_order.sales_order import make_work_orders as erpnext_make_work_orders

	chosen, wanted = chosen_lines(order, items)
	so_details = {d.so_detail for d, _q in chosen}
	rows = [r for r in get_work_order_items(order.sales_order) if r["sales_order_item"] in so_details]
	if wanted is not None:
		qty = {d.so_detail: q for d, q in chosen}
		for r in rows:
			if qty.get(r["sales_order_item"]):
				r["pending_qty"] = min(flt(r["pending_qty"]), qty[r["sales_order_item"]])
	missing_bom = [r["item_code"] for r in rows if not r.get("bom")]
	rows = [r for r in rows if r.get("bom")]
	if not rows:
		frappe.throw(
			_(
				"No work order to make for order {0}: every line with a default BOM has one already{1}."
			).format(
				name, _(" ({0} have no default BOM)").format(", ".join(missing_bom)) if missing_bom else ""
			),
			title=_("Nothing to Produce"),
		)
	names = erpnext_make_work_orders(
		json.dumps({"items": rows}, default=str), order.sales_order, order.company, order.project
	)
	intake.mark_orders([order.name])
	intake.flush()  # the answer shows the order's fresh figures
	return {"work_orders": names, "without_bom": missing_bom}


@frappe.whitelist(methods=["POST"])
@one_action
def make_purchase_order(
	name: str | None = None,
	supplier: str | None = None,
	items: str | list | dict | None = None,
	submit: int | bool = 0,
) -> dict:
	"""A Purchase Order for the order's lines (ERPNext's mapper), linked to the Sales Order lines."""
	order = order_for(name, "write", "purchase for")
	assert_may_create("Purchase Order", submit=bool(submit))
	if not supplier or not frappe.db.exists("Supplier", supplier):
		frappe.throw(_("Choose an existing supplier."), title=_("Supplier Missing"))
	if frappe.db.get_value("Supplier", supplier, "disabled"):
		frappe.throw(
			_("Supplier {0} is disabled: choose an active supplier.").format(frappe.bold(supplier)),
			title=_("Disabled Supplier"),
		)
	chosen, wanted = chosen_lines(order, items)
	po = compat.map_purchase_order(order.sales_order, [d.item_code for d, _q in chosen])
	if not po or not po.items:
		frappe.throw(
			_("Everything of order {0} is ordered already.").format(name), title=_("Nothing to Order")
		)
	keep = {d.so_detail: q for d, q in chosen}
	po.set("items", [row for row in po.items if row.sales_order_item in keep])
	for row in po.items:
		if wanted is not None and keep.get(row.sales_order_item):
			line = next(d for d, _q in chosen if d.so_detail == row.sales_order_item)
			if keep[row.sales_order_item] > flt(line.qty) + 1e-9:
				frappe.throw(
					_("Row {0}: {1} is more than the {2} ordered; order at most {2}.").format(
						line.idx, flt(keep[row.sales_order_item]), flt(line.qty)
					),
					title=_("Invalid Quantity"),
				)
			row.qty = keep[row.sales_order_item]
	po.supplier = supplier
	po.run_method("set_missing_values")
	po.run_method("calculate_taxes_and_totals")
	po.insert()
	if submit:
		po.submit()
	intake.mark_orders([order.name])
	intake.flush()  # the answer shows the order's fresh figures
	return {"purchase_order": po.name, "docstatus": po.docstatus}


@frappe.whitelist(methods=["POST"])
@one_action
def make_material_request(
	name: str | None = None, material_request_type: str = "Purchase", submit: int | bool = 0
) -> dict:
	"""A Material Request (Purchase, Manufacture or Material Transfer) for what the order still needs
	(ERPNext's mapper), linked to the Sales Order lines."""
	order = order_for(name, "write", "request material for")
	assert_may_create("Material Request", submit=bool(submit))
	if material_request_type not in ("Purchase", "Manufacture", "Material Transfer"):
		frappe.throw(
			_("Unknown material request type {0}.").format(escape_html(str(material_request_type))),
			title=_("Invalid Type"),
		)
	from erpnext.selling.doctype.sales_order.sales_order import make_material_request as map_mr

	mr = map_mr(order.sales_order)
	if not mr.items:
		frappe.throw(
			_("Everything of order {0} is requested already.").format(name), title=_("Nothing to Request")
		)
	mr.material_request_type = material_request_type
	mr.insert()
	if submit:
		mr.submit()
	intake.mark_orders([order.name])
	intake.flush()  # the answer shows the order's fresh figures
	return {"material_request": mr.name, "docstatus": mr.docstatus}
