"""The order's workspace (R8) and methodologies (R9): adapters around `order_mgmt.rules.methodology`.

Whitelisted methods (the Customer Order form and REST clients call them):
`POST /api/method/order_mgmt.planning.add_tasks_from_methodology` with `order`, `optional_parts` (JSON list)
and `GET /api/method/order_mgmt.planning.get_workspace?order=…`.
"""

import json

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import IfNull, NullIf, Sum
from frappe.utils import cint, escape_html, flt, get_datetime, getdate

from order_mgmt.costing import update_profitability
from order_mgmt.permissions import assert_can_plan, assert_may_move, assert_planner, can_plan, get_order
from order_mgmt.rules import methodology as rules
from order_mgmt.rules.methodology import MethodologyError
from order_mgmt.transactions import one_action

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


@frappe.whitelist()
@frappe.read_only()
def get_methodology_parts(order: str | None = None, methodology: str | None = None) -> dict:
	"""What the "Add tasks from methodology" dialog offers: the methodology and its optional parts."""
	order_doc = _get_order(order)
	name = _order_methodology(order_doc, methodology)
	if not name:
		return {"methodology": None, "optional_parts": [], "parts": []}
	meth = frappe.get_doc("Order Methodology", name)
	meth.check_permission("read")
	return {
		"methodology": name,
		"parts": [
			{"part_name": p.part_name, "optional": p.optional, "description": p.description}
			for p in meth.parts
		],
		"optional_parts": [p.part_name for p in meth.parts if p.optional],
	}


def parse_parts(optional_parts: str | list | None) -> list[str]:
	"""The optional parts chosen: a list, a JSON list, or names separated by commas (REST clients)."""
	if isinstance(optional_parts, str):
		try:
			optional_parts = json.loads(optional_parts)
		except ValueError:
			optional_parts = optional_parts.split(",")
	if isinstance(optional_parts, str):
		optional_parts = [optional_parts]
	if optional_parts is not None and not isinstance(optional_parts, list | tuple):
		frappe.throw(
			_('Optional parts must be a list of part names, e.g. ["Installation"].'), title=_("Invalid Input")
		)
	return [str(p).strip() for p in (optional_parts or []) if p and str(p).strip()]


@frappe.whitelist(methods=["POST"])
@one_action
def add_tasks_from_methodology(
	order: str | None = None, optional_parts: str | list | None = None, methodology: str | None = None
) -> dict:
	"""Create the order's tasks from its area's methodology (or `methodology`): the mandatory parts and the
	optional parts chosen, dated from the order's implementation period, with their dependencies and
	assignments. Steps the order already has a task for are skipped, so running it again adds only what is
	missing."""
	order_doc = _get_order(order, "read")
	assert_can_plan(order_doc)
	if not frappe.has_permission("Task", "create"):
		frappe.throw(_("You are not allowed to create Tasks."), frappe.PermissionError)
	assert_order_open_for_planning(order_doc)

	name = _order_methodology(order_doc, methodology)
	if not name:
		frappe.throw(
			_("Order area {0} has no methodology: link one in the order area, or choose one.").format(
				frappe.bold(order_doc.order_area or _("(none)"))
			),
			title=_("No Methodology"),
		)
	meth = frappe.get_doc("Order Methodology", name)
	meth.check_permission("read")
	if meth.disabled:
		frappe.throw(
			_("Methodology {0} is disabled.").format(frappe.bold(name)), title=_("Methodology Disabled")
		)

	chosen = parse_parts(optional_parts)
	parts, steps = _parts_and_steps(meth)
	start = (
		getdate(order_doc.period_from or order_doc.order_date)
		if (order_doc.period_from or order_doc.order_date)
		else None
	)

	# the tasks this order already has from this methodology (one query)
	prefix = step_ref(name, "")
	existing = {
		row.methodology_step[len(prefix) :]: row.name
		for row in frappe.get_all(
			"Task",
			filters={"customer_order": order_doc.name, "methodology_step": ("like", f"{prefix}%")},
			fields=["name", "methodology_step"],
		)
	}
	try:
		planned = rules.plan(parts, steps, chosen, start, set(existing))
	except MethodologyError as e:
		throw_methodology_error(e, name)

	rows = {s.step_id: s for s in meth.steps}
	task_of_step = dict(existing)
	created = []
	for p in planned:
		row = rows[p.step_id]
		task = frappe.get_doc(
			{
				"doctype": "Task",
				"subject": p.subject,
				"description": row.description,
				"exp_start_date": p.start,
				"exp_end_date": p.end,
				"customer_order": order_doc.name,
				"methodology_step": step_ref(name, p.step_id),
				"project": order_doc.project,
				"company": order_doc.company,
				"depends_on": [{"task": task_of_step[d]} for d in p.depends_on],
			}
		).insert()
		task_of_step[p.step_id] = task.name
		created.append(task.name)
		assignee = row.assignee or {"Order Manager": order_doc.order_manager, "Deputy": order_doc.deputy}.get(
			row.role or ""
		)
		if assignee:
			assign_to.add(
				{
					"assign_to": [assignee],
					"doctype": "Task",
					"name": task.name,
					"description": p.subject,
					"date": p.end,
				}
			)
	return {"methodology": name, "created": created, "existing": len(existing)}


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


def refresh_order_time(orders) -> None:
	"""Recompute `total_hours` and `timesheet_cost` of the orders from the submitted Timesheets of their
	tasks: one aggregate query and one UPDATE, whatever the number of orders."""
	orders = sorted({o for o in orders if o})
	if not orders:
		return
	td, ts, task = DocType("Timesheet Detail"), DocType("Timesheet"), DocType("Task")
	co = DocType("Customer Order")
	# the costing amount in the company currency, as order_mgmt.costing counts it for profitability
	exchange_rate = IfNull(NullIf(ts.exchange_rate, 0), 1)
	totals = {o: (0.0, 0.0) for o in orders}
	for order, hours, cost in (
		frappe.qb.from_(td)
		.join(ts)
		.on(ts.name == td.parent)
		.join(task)
		.on(td.task == task.name)
		.select(task.customer_order, Sum(td.hours), Sum(td.costing_amount * exchange_rate))
		.where(task.customer_order.isin(orders) & (ts.docstatus == 1) & (td.parenttype == "Timesheet"))
		.groupby(task.customer_order)
		.run()
	):
		totals[order] = (flt(hours), flt(cost))
	hours_case, cost_case = Case(), Case()
	for order, (hours, cost) in totals.items():
		hours_case = hours_case.when(co.name == order, hours)
		cost_case = cost_case.when(co.name == order, cost)
	(
		frappe.qb.update(co)
		.set(co.total_hours, hours_case.else_(co.total_hours))
		.set(co.timesheet_cost, cost_case.else_(co.timesheet_cost))
		.where(co.name.isin(orders))
		.run()
	)


def timesheet_changed(doc, method=None):
	"""Timesheet on_submit / on_cancel: the orders of its tasks get their time again (constant queries)."""
	tasks = list({d.task for d in doc.time_logs if d.task})
	if not tasks:
		return
	orders = frappe.get_all(
		"Task", filters={"name": ("in", tasks), "customer_order": ("is", "set")}, pluck="customer_order"
	)
	refresh_order_time(orders)
	if orders:
		# the time cost is part of the order's total cost and profit: keep those in step
		update_profitability(orders)


def task_changed(doc, method=None):
	"""Task on_update: a task moved to another order takes its booked time along."""
	before = doc.get_doc_before_save()
	old = before.get("customer_order") if before else None
	if old != doc.get("customer_order") and flt(doc.actual_time):
		orders = [o for o in (old, doc.get("customer_order")) if o]
		refresh_order_time(orders)
		# the time cost is part of both orders' total cost and profit (as on a Timesheet's submit)
		update_profitability(orders)


# --- the workspace overview ---------------------------------------------------------------------------------


def _list(doctype: str, order: str, fields: list[str], order_by: str) -> list[dict]:
	"""The order's records of `doctype` that the user may read (roles and user permissions apply)."""
	if not frappe.has_permission(doctype, "read"):
		return []
	return frappe.get_list(doctype, filters={"customer_order": order}, fields=fields, order_by=order_by)


@frappe.whitelist()
@frappe.read_only()
def get_workspace(order: str | None = None) -> dict:
	"""Everything of the order's workspace the user may see: tasks, meetings, information with their files,
	agreements and decisions, time booked, and whether the user may plan the order."""
	order_doc = _get_order(order, "read")
	tasks = _list(
		"Task",
		order_doc.name,
		["name", "subject", "status", "exp_start_date", "exp_end_date", "progress", "_assign", "actual_time"],
		"exp_start_date asc, creation asc",
	)
	meetings = _list(
		"Order Meeting",
		order_doc.name,
		["name", "subject", "meeting_from", "meeting_to", "status"],
		"meeting_from desc",
	)
	information = _list("Order Information", order_doc.name, ["name", "title", "modified"], "modified desc")
	agreements = _list(
		"Order Agreement", order_doc.name, ["name", "title", "kind", "agreement_date"], "agreement_date desc"
	)
	files = files_of_information([d.name for d in information])
	for d in information:
		d["files"] = files.get(d.name, [])
	for t in tasks:
		t["assigned_to"] = frappe.parse_json(t.pop("_assign") or "[]")
	users = {u for t in tasks for u in t["assigned_to"]}
	full_names = (
		dict(
			frappe.get_all(
				"User", filters={"name": ("in", list(users))}, fields=["name", "full_name"], as_list=True
			)
		)
		if users
		else {}
	)
	for t in tasks:
		t["assigned_names"] = [full_names.get(u) or u for u in t["assigned_to"]]
	methodology = _order_methodology(order_doc)
	return {
		"order": order_doc.name,
		"can_plan": can_plan(order_doc) and order_doc.docstatus != 2,
		"methodology": methodology,
		"total_hours": order_doc.total_hours,
		"timesheet_cost": order_doc.timesheet_cost,
		"currency": order_doc.currency,
		"tasks": tasks,
		"meetings": meetings,
		"information": information,
		"agreements": agreements,
	}


def files_of_information(names: list[str]) -> dict[str, list[dict]]:
	"""Files of Order Information records: attached in the sidebar and in the Files table (two queries)."""
	out: dict[str, list[dict]] = {n: [] for n in names}
	if not names:
		return out
	seen = set()
	for row in frappe.get_all(
		"Order Information File",
		filters={"parent": ("in", names), "parenttype": "Order Information"},
		fields=["parent", "file", "description"],
		order_by="idx asc",
	):
		seen.add((row.parent, row.file))
		out[row.parent].append(
			{"file_url": row.file, "file_name": row.description or row.file.rsplit("/", 1)[-1]}
		)
	for row in frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Order Information", "attached_to_name": ("in", names)},
		fields=["attached_to_name", "file_url", "file_name"],
		order_by="creation asc",
	):
		if (row.attached_to_name, row.file_url) not in seen:
			seen.add((row.attached_to_name, row.file_url))
			out[row.attached_to_name].append({"file_url": row.file_url, "file_name": row.file_name})
	return out
