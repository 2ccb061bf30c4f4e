"""What the app's script reports share: the order filters and the one permission-aware read of orders.

Every report reads the Customer Orders the user may see through `frappe.get_list` (so the doctype's
permission rules apply): the orders themselves, or — for reports of their lines and deliveries — the SQL of
that permission query as a subquery of one query over the lines, so that the names of thousands of orders
never travel to Python and back. Never a query per row."""

import frappe
from frappe import _
from frappe.utils import getdate

from order_mgmt import compat
from order_mgmt.rules import pipeline

OPEN_PIPELINE_STATUSES = [s for s in pipeline.STATUSES if s not in pipeline.FINAL_STATUSES]


def order_columns(customer_width: int = 150) -> list[dict]:
	"""The first two columns of every per-order report: the order and its customer."""
	return [
		{
			"label": _("Customer Order"),
			"fieldname": "customer_order",
			"fieldtype": "Link",
			"options": "Customer Order",
			"width": 140,
		},
		{
			"label": _("Customer"),
			"fieldname": "customer",
			"fieldtype": "Link",
			"options": "Customer",
			"width": customer_width,
		},
	]


def order_filters(filters, date_field: str = "order_date") -> list:
	"""get_list filters of the order part of a report's filters."""
	filters = frappe._dict(filters or {})
	out = [["Customer Order", "docstatus", "<", 2]] if not filters.get("include_canceled") else []
	for field in ("company", "customer", "order_manager", "order_area", "currency"):
		if filters.get(field):
			out.append(["Customer Order", field, "=", filters[field]])
	if filters.get("status"):
		status = filters.status if isinstance(filters.status, list) else [filters.status]
		out.append(["Customer Order", "status", "in", status])
	if filters.get("from_date"):
		out.append(["Customer Order", date_field, ">=", getdate(filters.from_date)])
	if filters.get("to_date"):
		out.append(["Customer Order", date_field, "<=", getdate(filters.to_date)])
	if (
		filters.get("from_date")
		and filters.get("to_date")
		and getdate(filters.from_date) > getdate(filters.to_date)
	):
		frappe.throw(_("From Date must be before To Date."), title=_("Invalid Dates"))
	return out


def get_orders(filters, fields: list[str], extra_filters: list | None = None, date_field: str = "order_date"):
	"""The orders the user may read that match the filters (one query)."""
	return frappe.get_list(
		"Customer Order",
		filters=order_filters(filters, date_field) + (extra_filters or []),
		fields=list(dict.fromkeys(["name", *fields])),
		order_by=f"{date_field} asc, name asc",
		limit_page_length=0,
	)


def permitted_orders(filters, extra_filters: list | None = None, date_field: str = "order_date") -> str:
	"""The SQL (a subquery selecting `name`) of the orders the user may read that match the filters:
	Frappe's own list query with the user's permission conditions, not run. Its `%` are doubled: it goes
	into a query run with parameters (`frappe.db.sql(query, values)`, values always a dict)."""
	sql = compat.list_query_sql(
		"Customer Order",
		filters=order_filters(filters, date_field) + (extra_filters or []),
		fields=["`tabCustomer Order`.`name`"],
		order_by="`tabCustomer Order`.`name` asc",
		limit_page_length=0,
	)
	return sql.replace("%", "%%")
