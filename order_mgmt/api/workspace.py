"""The order's workspace (R8) and its methodologies (R9), for the Customer Order form and REST clients.

`GET /api/method/order_mgmt.api.workspace.get_workspace?order=…`, `get_methodology_parts`, and
`POST /api/method/order_mgmt.api.workspace.add_tasks_from_methodology` with `order`, `optional_parts` (a JSON
list). (The former `order_mgmt.planning.<method>` paths stay valid.)
"""

import json

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import getdate

from order_mgmt.permissions import assert_can_plan, can_plan
from order_mgmt.rules import methodology as rules
from order_mgmt.rules.methodology import MethodologyError
from order_mgmt.services.planning import (
	_get_order,
	_order_methodology,
	_parts_and_steps,
	assert_order_open_for_planning,
	step_ref,
	throw_methodology_error,
)
from order_mgmt.services.transactions import one_action


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
