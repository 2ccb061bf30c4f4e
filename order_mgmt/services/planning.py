"""The order's workspace (R8) and methodologies (R9): adapters around `order_mgmt.rules.methodology`.

Whitelisted methods (the Customer Order form and REST clients call them):
`POST /api/method/order_mgmt.api.workspace.add_tasks_from_methodology` with `order`, `optional_parts` (JSON list)
and `GET /api/method/order_mgmt.api.workspace.get_workspace?order=…`.
"""

import frappe
from frappe import _
from frappe.utils import cint, escape_html, get_datetime

from order_mgmt.permissions import assert_may_move, assert_planner, get_order
from order_mgmt.rules import methodology as rules
from order_mgmt.rules.methodology import MethodologyError

#: separates the methodology from the step id in Task.methodology_step ("Standard Delivery::S1")
STEP_REF_SEPARATOR = "::"


def step_ref(methodology: str, step_id: str) -> str:
	return f"{methodology}{STEP_REF_SEPARATOR}{step_id}"


# --- methodology ---------------------------------------------------------------------------------------


def _parts_and_steps(methodology) -> tuple[list[rules.Part], list[rules.Step]]:
	parts = [rules.Part((p.part_name or "").strip(), bool(p.optional)) for p in methodology.parts]
	steps = [
		rules.Step(
			step_id=(s.step_id or "").strip(),
			part=(s.part or "").strip(),
			subject=s.subject,
			offset_days=cint(s.offset_days),
			duration_days=cint(s.duration_days),
			depends_on=rules.parse_depends_on(s.depends_on),
		)
		for s in methodology.steps
	]
	return parts, steps


def throw_methodology_error(e: MethodologyError, methodology: str | None = None):
	"""One translated message per rule of `order_mgmt.rules.methodology`."""
	a = e.args_
	step = frappe.bold(escape_html(str(a.get("step", ""))))
	code = e.code
	if code == rules.SELF_DEPENDENCY:
		msg, title = (
			_("Step {0} depends on itself: remove {0} from its Depends On.").format(step),
			_("Circular Dependency"),
		)
	elif code == rules.CYCLE:
		msg, title = (
			_("Steps {0} depend on each other in a circle: remove one of these dependencies.").format(
				frappe.bold(" → ".join(a["cycle"]))
			),
			_("Circular Dependency"),
		)
	elif code == rules.UNKNOWN_DEPENDENCY:
		msg, title = (
			_("Step {0} depends on {1}, which is not a step of this methodology.").format(
				step, frappe.bold(escape_html(str(a["dependency"])))
			),
			_("Unknown Step"),
		)
	elif code == rules.DUPLICATE_STEP:
		msg, title = (
			_("Step ID {0} is used twice: each step needs its own ID.").format(step),
			_("Duplicate Step"),
		)
	elif code == rules.UNKNOWN_PART:
		msg, title = (
			_("Step {0} belongs to part {1}, which is not in the Parts table.").format(
				step, frappe.bold(escape_html(str(a["part"])))
			),
			_("Unknown Part"),
		)
	elif code == rules.NEGATIVE_OFFSET:
		msg, title = (
			_(
				"Step {0} has an offset of {1} days: its task would start before the order starts. Offsets count from the order's first day and cannot be negative."
			).format(step, a.get("offset")),
			_("Task Before Order Start"),
		)
	elif code == rules.NEGATIVE_DURATION:
		msg, title = _("Step {0}: the duration cannot be negative.").format(step), _("Invalid Duration")
	elif code == rules.NOT_OPTIONAL:
		msg, title = (
			_("{0} is not an optional part of methodology {1}.").format(
				frappe.bold(escape_html(str(a["part"]))), frappe.bold(escape_html(methodology or ""))
			),
			_("Unknown Part"),
		)
	elif code == rules.NO_START:
		msg, title = (
			_("Set the order's implementation period (From) before adding tasks from a methodology."),
			_("No Start Date"),
		)
	else:  # pragma: no cover - every code is listed above
		msg, title = str(e), _("Invalid Methodology")
	frappe.throw(msg, title=title)


def validate_methodology(doc):
	"""Order Methodology.validate: the rules refuse what could not be applied to an order."""
	for row in doc.steps:
		row.step_id = (row.step_id or "").strip()
		row.part = (row.part or "").strip()
		if row.duration_days is None:
			row.duration_days = 1
	try:
		rules.validate(*_parts_and_steps(doc))
	except MethodologyError as e:
		throw_methodology_error(e, doc.name)
	names = [p.part_name for p in doc.parts]
	duplicates = {n for n in names if names.count(n) > 1}
	if duplicates:
		frappe.throw(
			_("Part {0} is listed twice.").format(frappe.bold(", ".join(sorted(duplicates)))),
			title=_("Duplicate Part"),
		)


def _get_order(order: str, ptype: str = "read"):
	return get_order(order, ptype)


def _order_methodology(order_doc, methodology: str | None = None) -> str | None:
	if methodology:
		return methodology
	if order_doc.order_area:
		return frappe.db.get_value("Order Area", order_doc.order_area, "methodology")
	return None


def assert_order_open_for_planning(order_doc):
	if order_doc.docstatus == 2 or order_doc.status == "Canceled":
		frappe.throw(
			_("Customer Order {0} is canceled: nothing more can be planned for it.").format(
				frappe.bold(order_doc.name)
			),
			title=_("Order Canceled"),
		)


# --- meetings --------------------------------------------------------------------------------------------


def validate_meeting(doc):
	"""Order Meeting.validate: times in order, no duplicate attendees, only planners link it to an order."""
	if doc.meeting_to and get_datetime(doc.meeting_to) < get_datetime(doc.meeting_from):
		frappe.throw(
			_("The meeting ends ({0}) before it starts ({1}).").format(
				frappe.format(doc.meeting_to, "Datetime"), frappe.format(doc.meeting_from, "Datetime")
			),
			title=_("Invalid Meeting Time"),
		)
	for table, field in (("internal_attendees", "user"), ("customer_contacts", "contact")):
		seen, keep = set(), []
		for row in doc.get(table):
			if row.get(field) not in seen:
				seen.add(row.get(field))
				keep.append(row)
		doc.set(table, keep)
	assert_may_move(doc)
	assert_planner(doc)


# --- time booked -------------------------------------------------------------------------------------------


# --- the workspace overview ---------------------------------------------------------------------------------
