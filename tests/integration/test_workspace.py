"""The order's workspace and methodology (R8, R9) and who may plan an order (R15), on a real site, as three
real users: the order's manager, its deputy, and another Order User."""

import re
from contextlib import contextmanager

import frappe
import pytest
from frappe.utils import add_days, getdate, now_datetime

from order_mgmt.api import workspace as workspace_api
from order_mgmt.services import planning
from tests.integration.factories import (
	as_user,
	company,
	counted_queries,
	make_order,
	make_user,
	request_done,
)


@contextmanager
def refused(exc=frappe.ValidationError, match: str | None = None):
	with pytest.raises(exc) as info:
		yield info
	if match:
		assert re.search(match, str(info.value)), str(info.value)


def call_over_rest(method: str, http_method: str = "POST", **form):
	"""What `POST /api/method/<method>` runs: the whitelist and HTTP-method checks, then the method."""
	import frappe.handler
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	before = getattr(frappe.local, "request", None), frappe.local.form_dict
	frappe.local.request = Request(
		EnvironBuilder(method=http_method, path=f"/api/method/{method}").get_environ()
	)
	frappe.local.form_dict = frappe._dict(form)
	try:
		return frappe.handler.execute_cmd(method)
	finally:
		frappe.local.request, frappe.local.form_dict = before


def make_methodology(steps: list[dict] | None = None, parts: list[dict] | None = None, **kw):
	return frappe.get_doc(
		{
			"doctype": "Order Methodology",
			"methodology_name": kw.pop("methodology_name", None)
			or f"_T Method {frappe.generate_hash(length=6)}",
			"parts": parts
			if parts is not None
			else [
				{"part_name": "Preparation"},
				{"part_name": "Training", "optional": 1},
				{"part_name": "Handover"},
				{"part_name": "Audit", "optional": 1},
			],
			"steps": steps if steps is not None else [],
			**kw,
		}
	)


@pytest.fixture
def team():
	"""Manager, deputy and another Order User, and an order of an area with a methodology."""
	manager, deputy, other = make_user("Order User"), make_user("Order User"), make_user("Order User")
	meth = make_methodology(
		[
			{
				"step_id": "S1",
				"part": "Preparation",
				"subject": "Kick-off",
				"offset_days": 0,
				"duration_days": 1,
				"role": "Order Manager",
			},
			{
				"step_id": "S2",
				"part": "Preparation",
				"subject": "Analysis",
				"offset_days": 1,
				"duration_days": 5,
				"depends_on": "S1",
				"role": "Deputy",
			},
			{
				"step_id": "T1",
				"part": "Training",
				"subject": "Training",
				"offset_days": 6,
				"duration_days": 2,
				"depends_on": "S2",
				"assignee": other,
			},
			{
				"step_id": "H1",
				"part": "Handover",
				"subject": "Handover",
				"offset_days": 8,
				"duration_days": 1,
				"depends_on": "S2, T1",
			},
			{
				"step_id": "A1",
				"part": "Audit",
				"subject": "Audit",
				"offset_days": 10,
				"duration_days": 3,
				"depends_on": "H1",
			},
		]
	).insert()
	area = frappe.get_doc(
		{
			"doctype": "Order Area",
			"area_name": f"_T Area {frappe.generate_hash(length=6)}",
			"methodology": meth.name,
		}
	).insert()
	start = getdate(add_days(getdate(), 7))
	order = make_order(order_manager=manager, deputy=deputy, order_area=area.name, period_from=start)
	return frappe._dict(
		manager=manager, deputy=deputy, other=other, methodology=meth.name, order=order, start=start
	)


def order_tasks(order: str) -> dict[str, frappe._dict]:
	"""The order's tasks by subject, with their dependencies (as subjects) and assignees."""
	tasks = frappe.get_all(
		"Task",
		filters={"customer_order": order},
		fields=["name", "subject", "exp_start_date", "exp_end_date", "methodology_step", "_assign"],
	)
	subject = {t.name: t.subject for t in tasks}
	deps = frappe.get_all(
		"Task Depends On", filters={"parent": ("in", list(subject) or [""])}, fields=["parent", "task"]
	)
	out = {}
	for t in tasks:
		t.depends_on = {subject[d.task] for d in deps if d.parent == t.name}
		t.assigned = frappe.parse_json(t._assign or "[]")
		# the planned days (ERPNext v16's Task keeps them as Datetime, at midnight)
		t.exp_start_date, t.exp_end_date = (
			getdate(v) if v else v for v in (t.exp_start_date, t.exp_end_date)
		)
		out[t.subject] = t
	return out


# --- methodology -------------------------------------------------------------------------------------------


def test_apply_methodology_with_one_optional_part_then_again(team):
	with as_user(team.manager):
		result = workspace_api.add_tasks_from_methodology(team.order.name, '["Training"]')
	assert len(result["created"]) == 4

	tasks = order_tasks(team.order.name)
	assert set(tasks) == {"Kick-off", "Analysis", "Training", "Handover"}  # no Audit: not chosen
	d = lambda n: getdate(add_days(team.start, n))  # noqa: E731
	assert {s: (t.exp_start_date, t.exp_end_date) for s, t in tasks.items()} == {
		"Kick-off": (d(0), d(0)),
		"Analysis": (d(1), d(5)),
		"Training": (d(6), d(7)),
		"Handover": (d(8), d(8)),
	}
	assert {s: t.depends_on for s, t in tasks.items()} == {
		"Kick-off": set(),
		"Analysis": {"Kick-off"},
		"Training": {"Analysis"},
		"Handover": {"Analysis", "Training"},
	}
	assert tasks["Kick-off"].assigned == [team.manager]
	assert tasks["Analysis"].assigned == [team.deputy]
	assert tasks["Training"].assigned == [team.other]
	assert tasks["Handover"].assigned == []
	assert tasks["Kick-off"].methodology_step == f"{team.methodology}::S1"

	# again, by the deputy: nothing new
	with as_user(team.deputy):
		again = workspace_api.add_tasks_from_methodology(team.order.name, ["Training"])
	assert again["created"] == [] and again["existing"] == 4
	assert frappe.db.count("Task", {"customer_order": team.order.name}) == 4

	# later the audit is ordered too: only its task is added, after the existing handover
	with as_user(team.deputy):
		audit = call_over_rest(
			"order_mgmt.api.workspace.add_tasks_from_methodology",
			order=team.order.name,
			optional_parts="Training, Audit",
		)
	assert len(audit["created"]) == 1
	tasks = order_tasks(team.order.name)
	assert tasks["Audit"].depends_on == {"Handover"}
	assert (tasks["Audit"].exp_start_date, tasks["Audit"].exp_end_date) == (d(10), d(12))


def test_the_sample_methodology_is_installed_once():
	from order_mgmt.setup import workspace

	assert frappe.db.exists("Order Methodology", workspace.SAMPLE_METHODOLOGY)
	workspace.setup_workspace()
	workspace.setup_workspace()
	assert frappe.db.count("Order Methodology", {"methodology_name": workspace.SAMPLE_METHODOLOGY}) == 1
	parts = workspace_api.get_methodology_parts(make_order().name, workspace.SAMPLE_METHODOLOGY)
	assert parts["optional_parts"] == ["Training"]


def test_a_step_depending_on_itself_is_refused():
	meth = make_methodology([{"step_id": "S1", "part": "Preparation", "subject": "A", "depends_on": "S1"}])
	with refused(frappe.ValidationError, match="depends on itself"):
		meth.insert()
	assert not frappe.db.exists("Order Methodology", meth.methodology_name)


def test_steps_in_a_cycle_are_refused():
	meth = make_methodology(
		[
			{"step_id": "S1", "part": "Preparation", "subject": "A", "depends_on": "S3"},
			{"step_id": "S2", "part": "Preparation", "subject": "B", "depends_on": "S1"},
			{"step_id": "S3", "part": "Preparation", "subject": "C", "depends_on": "S2"},
		]
	)
	with refused(frappe.ValidationError, match="circle"):
		meth.insert()
	assert not frappe.db.exists("Order Methodology", meth.methodology_name)


def test_a_cycle_added_to_a_saved_methodology_is_refused_and_nothing_changes(team):
	meth = frappe.get_doc("Order Methodology", team.methodology)
	meth.steps[0].depends_on = "H1"  # S1 → H1 → S2 → S1
	with refused(frappe.ValidationError, match="circle"):
		meth.save()
	assert frappe.db.get_value("Order Methodology Step", meth.steps[0].name, "depends_on") in (None, "")


def test_an_offset_before_the_order_starts_is_refused():
	meth = make_methodology(
		[
			{
				"step_id": "S1",
				"part": "Preparation",
				"subject": "Too early",
				"offset_days": -3,
				"duration_days": 2,
			}
		]
	)
	with refused(frappe.ValidationError, match="before the order starts"):
		meth.insert()
	assert not frappe.db.exists("Order Methodology", meth.methodology_name)


def test_a_dependency_on_an_unknown_step_is_refused():
	meth = make_methodology([{"step_id": "S1", "part": "Preparation", "subject": "A", "depends_on": "S9"}])
	with refused(frappe.ValidationError, match="S9"):
		meth.insert()


def test_choosing_a_part_that_is_not_optional_is_refused(team):
	with as_user(team.manager), refused(frappe.ValidationError, match="not an optional part"):
		workspace_api.add_tasks_from_methodology(team.order.name, ["Preparation"])
	assert frappe.db.count("Task", {"customer_order": team.order.name}) == 0


def test_a_canceled_order_gets_no_tasks_or_meetings(team):
	from order_mgmt.api import customer_order as api

	api.confirm(team.order.name)
	api.cancel(team.order.name)
	with as_user(team.manager):
		with refused(frappe.ValidationError, match="canceled"):
			workspace_api.add_tasks_from_methodology(team.order.name, ["Training"])
		with refused(frappe.ValidationError, match="canceled"):
			new_meeting(team.order.name).insert()
		with refused(frappe.ValidationError, match="canceled"):
			frappe.get_doc({"doctype": "Task", "subject": "Late", "customer_order": team.order.name}).insert()
	assert frappe.db.count("Task", {"customer_order": team.order.name}) == 0
	assert frappe.db.count("Order Meeting", {"customer_order": team.order.name}) == 0


def test_an_order_without_start_or_methodology(team):
	order = make_order(order_manager=team.manager)
	with as_user(team.manager), refused(frappe.ValidationError, match="no methodology"):
		workspace_api.add_tasks_from_methodology(order.name)


# --- who may plan ------------------------------------------------------------------------------------------


def new_meeting(order: str, **kw):
	return frappe.get_doc(
		{
			"doctype": "Order Meeting",
			"subject": "Kick-off with the customer",
			"customer_order": order,
			"meeting_from": now_datetime(),
			**kw,
		}
	)


def test_another_order_user_reads_but_cannot_plan(team):
	with as_user(team.manager):
		workspace_api.add_tasks_from_methodology(team.order.name, [])
		new_meeting(team.order.name).insert()
	task_name = frappe.db.get_value("Task", {"customer_order": team.order.name, "subject": "Kick-off"})

	with as_user(team.other):
		# reads the workspace
		ws = frappe._dict(
			call_over_rest("order_mgmt.api.workspace.get_workspace", "GET", order=team.order.name)
		)
		assert ws["can_plan"] is False
		assert {t.subject for t in ws["tasks"]} == {"Kick-off", "Analysis", "Handover"}
		assert len(ws["meetings"]) == 1
		# but adds nothing: not through the method the form and REST call …
		with refused(frappe.PermissionError, match="Only the order's manager"):
			call_over_rest("order_mgmt.api.workspace.add_tasks_from_methodology", order=team.order.name)
		with refused(frappe.PermissionError, match="Only the order's manager"):
			workspace_api.add_tasks_from_methodology(team.order.name, '["Training"]')
		# … nor by creating tasks and meetings (what POST /api/resource does)
		with refused(frappe.PermissionError):
			frappe.client.insert({"doctype": "Task", "subject": "Mine", "customer_order": team.order.name})
		with refused(frappe.PermissionError):
			frappe.client.insert(new_meeting(team.order.name).as_dict())
		# … nor changes or deletes them
		task = frappe.get_doc("Task", task_name)
		task.subject = "Changed"
		with refused(frappe.PermissionError):
			task.save()
		with refused(frappe.PermissionError):
			frappe.delete_doc("Task", task_name)
		meeting = frappe.get_doc("Order Meeting", ws["meetings"][0].name)
		meeting.minutes = "Written by someone else"
		with refused(frappe.PermissionError):
			meeting.save()
		# a task of no order keeps ERPNext's rules: the Order User role alone may not make one
		with refused(frappe.PermissionError):
			frappe.get_doc({"doctype": "Task", "subject": "Personal"}).insert()
	frappe.get_doc("User", team.other).add_roles("Projects User")
	with as_user(team.other):
		own = frappe.get_doc({"doctype": "Task", "subject": "Personal"}).insert()
		# … and it cannot be slipped into the order
		own.customer_order = team.order.name
		with refused(frappe.PermissionError):
			own.save()
	assert frappe.db.count("Task", {"customer_order": team.order.name}) == 3
	assert frappe.db.get_value("Task", task_name, "subject") == "Kick-off"
	assert frappe.db.count("Order Meeting", {"customer_order": team.order.name}) == 1


def test_the_deputy_plans_like_the_manager(team):
	with as_user(team.deputy):
		task = frappe.get_doc(
			{"doctype": "Task", "subject": "Extra", "customer_order": team.order.name}
		).insert()
		task.subject = "Extra work"
		task.save()
		meeting = new_meeting(team.order.name).insert()
		meeting.minutes = "Agreed on the scope."
		meeting.save()
		frappe.delete_doc("Task", task.name)
		assert workspace_api.get_workspace(team.order.name)["can_plan"] is True


def test_a_planner_cannot_move_a_task_away_from_an_order_they_do_not_plan(team):
	mine = make_order(order_manager=team.other)
	with as_user(team.manager):
		task = frappe.get_doc({"doctype": "Task", "subject": "X", "customer_order": team.order.name}).insert()
	with as_user(team.other):
		task = frappe.get_doc("Task", task.name)
		task.customer_order = mine.name
		with refused(frappe.PermissionError):
			task.save()
	assert frappe.db.get_value("Task", task.name, "customer_order") == team.order.name


def test_an_assignee_updates_their_task_but_does_not_delete_it(team):
	with as_user(team.manager):
		workspace_api.add_tasks_from_methodology(team.order.name, ["Training"])
	name = frappe.db.get_value("Task", {"customer_order": team.order.name, "subject": "Training"})
	with as_user(team.other):
		task = frappe.get_doc("Task", name)
		task.progress = 50
		task.status = "Working"
		task.save()
		with refused(frappe.PermissionError):
			frappe.delete_doc("Task", name)
	assert frappe.db.get_value("Task", name, "progress") == 50


def test_order_managers_plan_every_order(team):
	boss = make_user("Order Manager")
	with as_user(boss):
		assert workspace_api.add_tasks_from_methodology(team.order.name, [])["created"]
		new_meeting(team.order.name).insert()


def test_user_permissions_hide_other_orders_and_their_workspace(team):
	with as_user(team.manager):
		new_meeting(team.order.name).insert()
		workspace_api.add_tasks_from_methodology(team.order.name, [])
	mine = make_order(order_manager=team.other)
	frappe.permissions.add_user_permission("Customer Order", mine.name, team.other)
	with as_user(team.other):
		with refused(frappe.DoesNotExistError):  # not revealed: as if it did not exist
			workspace_api.get_workspace(team.order.name)
		assert frappe.get_list("Order Meeting", filters={"customer_order": team.order.name}) == []
		assert frappe.get_list("Task", filters={"customer_order": team.order.name}) == []
		assert workspace_api.get_workspace(mine.name)["can_plan"] is True


# --- time, meetings, information, agreements ----------------------------------------------------------------


def make_timesheet(logs: list[tuple[str, float]], submit: bool = True):
	activity = frappe.get_doc(
		{
			"doctype": "Activity Type",
			"activity_type": f"_T Work {frappe.generate_hash(length=6)}",
			"costing_rate": 40,
			"billing_rate": 70,
		}
	).insert()
	start = now_datetime().replace(hour=8, minute=0, second=0, microsecond=0)
	time_logs = []
	for task, hours in logs:
		time_logs.append(
			{
				"activity_type": activity.name,
				"task": task,
				"from_time": start,
				"hours": hours,
				"to_time": None,
			}
		)
		start = frappe.utils.add_to_date(start, hours=hours)
	ts = frappe.get_doc({"doctype": "Timesheet", "company": company(), "time_logs": time_logs})
	for row in ts.time_logs:
		row.to_time = frappe.utils.add_to_date(row.from_time, hours=row.hours)
	ts.insert()
	if submit:
		ts.submit()
	return ts


def test_time_booked_on_the_orders_tasks_appears_on_the_order(team):
	with as_user(team.manager):
		workspace_api.add_tasks_from_methodology(team.order.name, [])
	kickoff, analysis = (
		frappe.db.get_value("Task", {"customer_order": team.order.name, "subject": s})
		for s in ("Kick-off", "Analysis")
	)
	other_order = make_order(order_manager=team.manager)
	with as_user(team.manager):
		elsewhere = frappe.get_doc(
			{"doctype": "Task", "subject": "Y", "customer_order": other_order.name}
		).insert()
	loose = frappe.get_doc({"doctype": "Task", "subject": "No order"}).insert()

	# booked by someone who books time but does not plan the order
	booker = make_user("Order User", "Projects User")
	with as_user(booker):
		ts = make_timesheet([(kickoff, 2), (analysis, 3.5), (elsewhere.name, 1), (loose.name, 4)])

	def time_of(order):
		request_done()  # the user looks after their request ended
		return frappe.db.get_value("Customer Order", order, ["total_hours", "timesheet_cost"])

	assert time_of(team.order.name) == (5.5, 5.5 * 40)
	assert time_of(other_order.name) == (1, 40)
	# and the order's costs count it at once
	assert frappe.db.get_value("Customer Order", team.order.name, "total_cost") == 5.5 * 40
	with as_user(team.other):
		assert workspace_api.get_workspace(team.order.name)["total_hours"] == 5.5

	make_timesheet([(kickoff, 1)])
	assert time_of(team.order.name) == (6.5, 6.5 * 40)
	make_timesheet([(kickoff, 8)], submit=False)  # a draft counts for nothing
	assert time_of(team.order.name) == (6.5, 6.5 * 40)

	# a task moved to another order takes its time along, and the costs of both orders follow
	task = frappe.get_doc("Task", elsewhere.name)
	task.customer_order = team.order.name
	task.save()
	assert time_of(team.order.name) == (7.5, 7.5 * 40)
	assert time_of(other_order.name) == (0, 0)
	assert frappe.db.get_value("Customer Order", team.order.name, "total_cost") == 7.5 * 40
	assert frappe.db.get_value("Customer Order", other_order.name, "total_cost") == 0

	ts.reload()
	ts.cancel()
	assert time_of(team.order.name) == (1, 40)
	assert time_of(other_order.name) == (0, 0)


def test_meetings_information_and_agreements_with_files_are_listed_on_the_order(team):
	customer = team.order.customer
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Jana",
			"last_name": f"Novak {frappe.generate_hash(length=4)}",
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert()
	with as_user(team.manager):
		meeting = new_meeting(
			team.order.name,
			meeting_to=frappe.utils.add_to_date(now_datetime(), hours=1),
			internal_attendees=[{"user": team.deputy}, {"user": team.other}, {"user": team.deputy}],
			customer_contacts=[{"contact": contact.name}],
			agenda="<p>Scope, dates</p>",
			minutes="<p>Scope agreed</p>",
			outcome="Start on the planned date.",
		).insert()
		info = frappe.get_doc(
			{
				"doctype": "Order Information",
				"title": "Technical specification",
				"customer_order": team.order.name,
				"information": "<p>See the files.</p>",
			}
		).insert()
		spec = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "_t_spec.txt",
				"content": b"specification",
				"attached_to_doctype": "Order Information",
				"attached_to_name": info.name,
				"is_private": 1,
			}
		).insert()
		drawing = frappe.get_doc(
			{"doctype": "File", "file_name": "_t_drawing.txt", "content": b"drawing", "is_private": 1}
		).insert()
		info.append("files", {"file": drawing.file_url, "description": "Drawing"})
		info.save()
		agreement = frappe.get_doc(
			{
				"doctype": "Order Agreement",
				"title": "Delivery in two parts",
				"kind": "Decision",
				"customer_order": team.order.name,
				"parties": "Customer's purchasing, our order manager",
				"text": "<p>Two deliveries.</p>",
			}
		).insert()
	assert [a.user for a in meeting.internal_attendees] == [team.deputy, team.other]  # no duplicates
	assert meeting.customer == customer

	with as_user(team.other):
		ws = workspace_api.get_workspace(team.order.name)
	assert [m.name for m in ws["meetings"]] == [meeting.name]
	assert [a.name for a in ws["agreements"]] == [agreement.name]
	assert ws["agreements"][0].kind == "Decision"
	assert [i.name for i in ws["information"]] == [info.name]
	assert sorted(f["file_url"] for f in ws["information"][0]["files"]) == sorted(
		[spec.file_url, drawing.file_url]
	)

	# the form's Connections count them
	from frappe.desk.notifications import get_open_count

	with as_user(team.other):
		counts = {
			c["doctype"]: c["count"]
			for c in get_open_count("Customer Order", team.order.name)["count"]["external_links_found"]
		}
	assert counts["Order Meeting"] == 1
	assert counts["Order Information"] == 1
	assert counts["Order Agreement"] == 1
	assert counts["Task"] == 0


def test_a_meeting_cannot_end_before_it_starts(team):
	with as_user(team.manager), refused(frappe.ValidationError, match="ends"):
		new_meeting(team.order.name, meeting_to=frappe.utils.add_to_date(now_datetime(), hours=-1)).insert()
	assert frappe.db.count("Order Meeting", {"customer_order": team.order.name}) == 0


def test_closing_the_order_leaves_its_tasks_open(team):
	with as_user(team.manager):
		workspace_api.add_tasks_from_methodology(team.order.name, [])
	from order_mgmt.api import customer_order as api

	api.confirm(team.order.name)
	frappe.db.set_value("Customer Order", team.order.name, "status", "Shipped")  # as if all was delivered
	api.complete(team.order.name)
	assert frappe.db.get_value("Customer Order", team.order.name, "status") == "Delivered"
	assert set(frappe.get_all("Task", filters={"customer_order": team.order.name}, pluck="status")) == {
		"Open"
	}


def test_time_is_rolled_up_with_a_constant_number_of_queries():
	def count_for(orders: int, tasks_per_order: int) -> int:
		logs = []
		for _ in range(orders):
			order = make_order()
			for i in range(tasks_per_order):
				task = frappe.get_doc(
					{"doctype": "Task", "subject": f"T{i}", "customer_order": order.name}
				).insert()
				logs.append((task.name, 1))
		make_timesheet(logs)  # submitted: its event marked the orders
		with counted_queries() as queries:
			request_done()  # the orders' time, cost and profit
		assert frappe.db.get_value("Customer Order", order.name, "total_hours") == tasks_per_order
		return len(queries)

	count_for(1, 1)  # warm the caches
	small, large = count_for(1, 2), count_for(4, 3)
	assert small == large, (small, large)
	assert small < 25


def test_uninstall_takes_away_the_task_permissions_install_gave():
	from order_mgmt.setup import workspace

	def order_roles_on_task():
		return set(
			frappe.get_all(
				"Custom DocPerm",
				filters={"parent": "Task", "role": ("in", ["Order Manager", "Order User"])},
				pluck="role",
			)
		)

	assert order_roles_on_task() == {"Order Manager", "Order User"}
	try:
		workspace.remove_workspace_setup()
		assert order_roles_on_task() == set()
		user = make_user("Order User")
		assert not frappe.has_permission("Task", "create", user=user)
	finally:
		workspace.setup_workspace()
	assert order_roles_on_task() == {"Order Manager", "Order User"}
	user = make_user("Order User")
	assert frappe.has_permission("Task", "create", user=user)
	assert frappe.has_permission("Customer", "read", user=user)  # the customer shown on meetings etc.
