"""What the order's actions share: the order checked for the action, and the lines a client names (parsed,
every quantity a finite number greater than 0; bad input gets a translated message and nothing changes)."""

import json
import math

import frappe
from frappe import _
from frappe.utils import escape_html

from order_mgmt.permissions import get_order
from order_mgmt.rules import pipeline

#: statuses in which goods may be reserved, delivered, invoiced and paid
ACTIVE = pipeline.OPEN_STATUSES | {pipeline.DELIVERED}


def order_for(name: str, ptype: str = "write", action: str = ""):
	order = get_order(name, ptype)
	if action:
		if order.docstatus != 1 or order.status not in ACTIVE:
			frappe.throw(
				_("Cannot {0} order {1}: it is {2}. Only a confirmed order can be worked on.").format(
					_(action), name, _(order.status)
				),
				title=_("Order Not Confirmed"),
			)
		so_status = frappe.db.get_value("Sales Order", order.sales_order, "status")
		if so_status in ("Closed", "On Hold"):
			frappe.throw(
				_(
					"Cannot {0} order {1}: its Sales Order {2} is {3} in ERPNext. {4} the Sales Order there first."
				).format(
					_(action),
					name,
					order.sales_order,
					_(so_status),
					_("Resume") if so_status == "On Hold" else _("Re-open"),
				),
				title=_("Sales Order {0}").format(_(so_status)),
			)
	return order


def invalid(message: str):
	frappe.throw(message, title=_("Invalid Input"))


def load_json(value):
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			invalid(_('The lines could not be read: send a JSON list such as [{"line": "…", "qty": 2}].'))
	return value


def quantity(value, key) -> float:
	"""A quantity from a client: a finite number greater than 0."""
	if isinstance(value, bool) or not isinstance(value, int | float | str):
		invalid(_("Line {0}: the quantity must be a number.").format(escape_html(str(key))))
	try:
		qty = float(value)
	except ValueError:
		qty = float("nan")
	if not math.isfinite(qty) or qty <= 0:
		invalid(
			_("Line {0}: the quantity must be a number greater than 0, not {1}.").format(
				escape_html(str(key)), escape_html(str(value))
			)
		)
	return qty


def parse_lines(items) -> dict[str, float] | None:
	"""{customer order line or sales order line: qty} from a list of dicts, a dict, or JSON."""
	if items in (None, "", "null"):
		return None
	items = load_json(items)
	if items is None:
		return None
	out = {}
	if isinstance(items, dict):
		pairs = list(items.items())
	elif isinstance(items, list):
		pairs = []
		for row in items:
			if not isinstance(row, dict):
				invalid(_('Each line must be an object with a line and a qty, e.g. {"line": "…", "qty": 2}.'))
			pairs.append((row.get("so_detail") or row.get("line") or row.get("name"), row.get("qty")))
	else:
		invalid(_('The lines must be a list of {"line": …, "qty": …} objects.'))
	for key, qty in pairs:
		if not isinstance(key, str) or not key:
			invalid(_("Each line must name a line of the order (its line or so_detail)."))
		out[key] = out.get(key, 0.0) + quantity(qty, key)
	return out


def so_detail_map(order) -> dict[str, object]:
	"""Lines reachable by their Customer Order Item name or their Sales Order Item name."""
	out = {}
	for d in order.items:
		out[d.name] = d
		if d.so_detail:
			out[d.so_detail] = d
	return out


def chosen_lines(order, items):
	wanted = parse_lines(items)
	lines = so_detail_map(order)
	if wanted is None:
		return [(d, None) for d in order.items], wanted
	unknown = [k for k in wanted if k not in lines]
	if unknown:
		frappe.throw(
			_("Order {0} has no line {1}.").format(order.name, escape_html(", ".join(unknown))),
			title=_("Unknown Line"),
		)
	return [(lines[k], q) for k, q in wanted.items()], wanted


# --- availability -------------------------------------------------------------------------------------
