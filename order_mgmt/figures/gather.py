"""Gather: everything the rules need about a set of Customer Orders, with a fixed number of queries."""

import frappe
from frappe.query_builder.functions import Coalesce, NullIf, Sum

from order_mgmt import compat
from order_mgmt.figures.money import BASE_MONEY_FIELDS, MONEY_FIELDS, gather_money
from order_mgmt.figures.shortages import gather_shortages
from order_mgmt.figures.sources import gather_sources
from order_mgmt.services import notifications, stock_guard
from order_mgmt.utils import in_list

HEADER_FIELDS = (
	"status",
	"probability",
	"product_status",
	"per_reserved",
	"per_delivered",
	*MONEY_FIELDS,
	*BASE_MONEY_FIELDS,
	"sales_order_status",
	"nothing_to_ship",
)
LINE_FIELDS = ("product_status", "reserved_qty", "delivered_qty", "expected_date", "sources")


def gather(order_names: list[str], short: set[str] | None = None) -> frappe._dict:
	co = frappe.qb.DocType("Customer Order")
	so = frappe.qb.DocType("Sales Order")
	orders = (
		frappe.qb.from_(co)
		.left_join(so)
		.on(so.name == co.sales_order)
		.select(
			co.name,
			co.docstatus,
			co.sales_order,
			co.net_total,
			co.grand_total,
			co.rounded_total,
			co.currency,
			*[co[f] for f in HEADER_FIELDS],
			co.next_check,
			# what the customer was last told, and whom to tell (notifications.announce)
			co.customer,
			co.contact_person,
			*[co[f] for f in notifications.FIELDS],
			so.status.as_("so_status"),
			so.skip_delivery_note,
		)
		.where(in_list(co.name, order_names) & (co.docstatus == 1))
	).run(as_dict=True)
	names = [o.name for o in orders]
	sales_orders = [o.sales_order for o in orders if o.sales_order]

	coi = frappe.qb.DocType("Customer Order Item")
	item = frappe.qb.DocType("Item")
	soi = frappe.qb.DocType("Sales Order Item")
	# each line with its item's stock flag and what its Sales Order line delivered, in one query; the
	# conversion factor is the Sales Order line's (the order's line's before confirmation)
	cf = Coalesce(NullIf(soi.conversion_factor, 0), NullIf(coi.conversion_factor, 0), 1)
	lines = (
		(
			frappe.qb.from_(coi)
			.left_join(item)
			.on(item.name == coi.item_code)
			.left_join(soi)
			.on(soi.name == coi.so_detail)
			.select(
				coi.name,
				coi.parent,
				coi.so_detail,
				Coalesce(NullIf(coi.stock_qty, 0), coi.qty * cf).as_("stock_qty"),
				cf.as_("cf"),
				coi.item_code,
				coi.delivery_date,
				item.is_stock_item,
				soi.delivered_qty.as_("so_delivered_qty"),
				*[coi[f] for f in LINE_FIELDS],
			)
			.where(in_list(coi.parent, names) & (coi.parenttype == "Customer Order"))
			.orderby(coi.idx)
		).run(as_dict=True)
		if names
		else []
	)

	reserved = stock_guard.reserved_by_line(sales_orders=sales_orders)
	line_sources = gather_sources(sales_orders)
	if short is None:
		short = gather_shortages(lines, reserved, line_sources)
	return frappe._dict(
		orders=orders,
		lines=lines,
		reserved=reserved,
		# lines delivered on several dates (ERPNext v16's Delivery Schedule; none on v15, no query)
		schedules=compat.delivery_schedules([line.so_detail for line in lines]),
		money=gather_money(sales_orders),
		sources=line_sources,
		short=short,
	)
