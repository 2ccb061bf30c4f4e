"""Promise dates (issue 28) for the form and for integrations: read-only, whitelisted, in the stock unit.

- `order_promise(name, lines=None, …)`: the promise of each line of a Customer Order not yet confirmed —
  its stored lines, or the unsaved lines the form sends (`lines`, with the form's `set_warehouse`,
  `delivery_date` and `company`); a new order (no name) needs only read permission on Customer Order.
- `item_promise(item_code, qty, warehouse, date, company)`: one item and quantity without an order.

Both check read permission on Customer Order; bad input gets a translated message and no figures; a
service or non-stock item answers "No promise needed". Nothing is written. The figures:
`order_mgmt.figures.promise`, the rule: `order_mgmt.rules.promise`.
"""

from __future__ import annotations

import math

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from order_mgmt.figures import promise as figures
from order_mgmt.permissions import get_order
from order_mgmt.rules import promise as rule


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def order_promise(
	name: str | None = None,
	lines: str | list | None = None,
	company: str | None = None,
	set_warehouse: str | None = None,
	delivery_date: str | None = None,
) -> dict:
	"""{"lines": [each line's promise], "promise_date": the latest, "note": …} for a Customer Order not yet
	confirmed (its stored lines, or `lines` as the form has them unsaved)."""
	order = None
	if name:
		order = get_order(name, "read")
		if order.docstatus != 0:
			frappe.throw(
				_(
					"Customer Order {0} is confirmed: its lines' product statuses tell when they can be delivered."
				).format(frappe.bold(order.name)),
				title=_("Already Confirmed"),
			)
	else:
		_assert_may_read()
	if lines is not None:
		rows = _parse_lines(lines)
	elif order:
		rows = [d.as_dict() for d in order.items]
	else:
		frappe.throw(_("Send the order's name or its lines."), title=_("Invalid Input"))
	company = (order.company if order and not company else company) or None
	if not company or not frappe.db.exists("Company", company):
		frappe.throw(_("Choose the order's company first."), title=_("Invalid Input"))
	default_warehouse = set_warehouse if lines is not None else (order.set_warehouse if order else None)
	order_date = _date(delivery_date, _("Promised Delivery Date")) if delivery_date else None
	if order and delivery_date is None:
		order_date = getdate(order.delivery_date) if order.delivery_date else None
	asks = _asks(rows, default_warehouse, order_date)
	result = figures.promise(asks, company)
	out = [figures.as_dict(result[a["key"]], a["warehouse"]) for a in asks]
	# a line of a draft without a warehouse yet (none on the line, the order or the item) cannot be promised:
	# said on the line, while the user is still filling the order
	missing = {a["key"] for a in _without_warehouse(asks, result)}
	for line in out:
		if line["key"] in missing:
			line.update(
				kind=rule.CANNOT,
				promise_date=None,
				indicator=rule.GREY,
				late=False,
				available_on_requested=0.0,
				warning="",
				sources=[],
				text=_("Cannot be promised: choose a warehouse (item {0} has no default warehouse)").format(
					line["item_code"]
				),
			)
	out.sort(key=lambda d: d["idx"])
	dates = [d["promise_date"] for d in out if d["promise_date"]]
	return {
		"lines": out,
		"promise_date": max(dates) if dates else None,
		"note": _(
			"Promise dates count stock, reservations, open Purchase and Work Orders and every confirmed order; other quotations are not promises and take nothing."
		),
	}


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def item_promise(
	item_code: str | None = None,
	qty: str | float | None = None,
	warehouse: str | None = None,
	date: str | None = None,
	company: str | None = None,
) -> dict:
	"""The promise of `qty` (stock units) of an item in a warehouse for a requested date, without an order."""
	_assert_may_read()
	if company and not frappe.db.exists("Company", company):
		frappe.throw(
			_("Company {0} does not exist.").format(frappe.bold(_escaped(company))), title=_("Invalid Input")
		)
	asks = _asks(
		[{"item_code": item_code, "qty": qty, "warehouse": warehouse, "delivery_date": date, "idx": 1}],
		None,
		None,
		stock_units=True,
	)
	result = _promise(asks, company)
	return figures.as_dict(result[asks[0]["key"]], asks[0]["warehouse"])


# --- input ----------------------------------------------------------------------------------------------


def _without_warehouse(asks: list[dict], result: dict) -> list[dict]:
	"""The stock lines that have no warehouse: none chosen, none on the order, none by default."""
	return [a for a in asks if not a["warehouse"] and result[a["key"]].kind != rule.NOT_NEEDED]


def _promise(asks: list[dict], company) -> dict:
	result = figures.promise(asks, company)
	for a in _without_warehouse(asks, result):
		frappe.throw(
			_("Row {0}: choose a warehouse (item {1} has no default warehouse).").format(
				a["idx"], frappe.bold(_escaped(a["item_code"]))
			),
			title=_("Invalid Input"),
		)
	return result


def _assert_may_read():
	if not frappe.has_permission("Customer Order", "read"):
		frappe.throw(
			_("You may not read Customer Orders: promise dates are for those who may."),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)


def _escaped(value) -> str:
	return frappe.utils.escape_html(str(value or ""))


def _parse_lines(lines) -> list[dict]:
	if isinstance(lines, str):
		try:
			lines = frappe.parse_json(lines)
		except ValueError:
			lines = None
	if not isinstance(lines, list) or not all(isinstance(d, dict) for d in lines):
		frappe.throw(
			_("Send the lines as a list of rows (item code, quantity, …)."), title=_("Invalid Input")
		)
	# the form's empty rows are no lines yet
	return [d for d in lines if d.get("item_code")]


def _date(value, label):
	try:
		return getdate(value)
	except Exception:
		frappe.throw(
			_("{0}: {1} is not a date; send it as YYYY-MM-DD.").format(
				_(label), frappe.bold(_escaped(value))
			),
			title=_("Invalid Input"),
		)


def _asks(rows: list[dict], default_warehouse, order_date, stock_units: bool = False) -> list[dict]:
	"""The lines to promise in stock units, checked: known items and warehouses, quantities above 0, real
	dates (three queries for all lines)."""
	codes = sorted({str(d.get("item_code") or "") for d in rows})
	items = {
		r.name: r
		for r in frappe.get_all("Item", filters={"name": ("in", codes or [""])}, fields=["name", "stock_uom"])
	}
	warehouses = sorted(
		{str(d.get("warehouse")) for d in rows if d.get("warehouse")}
		| ({default_warehouse} if default_warehouse else set())
	)
	known_warehouses = set(
		frappe.get_all("Warehouse", filters={"name": ("in", warehouses or [""]), "is_group": 0}, pluck="name")
	)
	uoms = {
		(d.get("item_code"), d.get("uom"))
		for d in rows
		if not stock_units
		and d.get("uom")
		and d.get("item_code") in items
		and d.get("uom") != items[d.get("item_code")].stock_uom
	}
	factors = {}
	if uoms:
		for parent, uom, factor in frappe.get_all(
			"UOM Conversion Detail",
			filters={"parent": ("in", sorted({i for i, _u in uoms})), "parenttype": "Item"},
			fields=["parent", "uom", "conversion_factor"],
			as_list=True,
		):
			factors[(parent, uom)] = flt(factor)
	out = []
	for n, d in enumerate(rows, 1):
		idx = cint(d.get("idx")) or n
		code = d.get("item_code")
		if not isinstance(code, str) or code not in items:
			frappe.throw(
				_("Row {0}: item {1} does not exist.").format(idx, frappe.bold(_escaped(code))),
				title=_("Invalid Input"),
			)
		qty = _number(d.get("qty"))
		if qty is None or qty <= 0:
			frappe.throw(
				_("Row {0}: the quantity must be a number greater than 0.").format(idx),
				title=_("Invalid Input"),
			)
		warehouse = d.get("warehouse") or default_warehouse or None
		if warehouse and warehouse not in known_warehouses:
			frappe.throw(
				_("Row {0}: warehouse {1} does not exist (or is a group).").format(
					idx, frappe.bold(_escaped(warehouse))
				),
				title=_("Invalid Input"),
			)
		uom = d.get("uom")
		factor = 1.0
		if not stock_units and uom and uom != items[code].stock_uom:
			factor = factors.get((code, uom)) or 0.0
			if factor <= 0:
				frappe.throw(
					_("Row {0}: unit {1} is not set up for item {2}.").format(
						idx, frappe.bold(_escaped(uom)), frappe.bold(_escaped(code))
					),
					title=_("Invalid Input"),
				)
		requested = d.get("delivery_date")
		requested = _date(requested, _("Delivery Date")) if requested else order_date
		out.append(
			{
				"key": str(d.get("name") or idx),
				"idx": idx,
				"item_code": code,
				"qty": qty * factor,
				"warehouse": warehouse,
				"requested": requested,
			}
		)
	return out


def _number(value) -> float | None:
	if isinstance(value, bool):
		return None
	try:
		number = float(value)
	except (TypeError, ValueError):
		return None
	return number if math.isfinite(number) else None
