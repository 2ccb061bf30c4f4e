"""Who may plan an order (R8, R15).

The order's manager and deputy, and users with the Order Manager or System Manager role, may create, change
and delete the order's Tasks and Order Meetings. Everybody else reads them as their roles and user
permissions allow (a user whose User Permissions exclude an order sees none of its records: they link to
it). A user a task is assigned to may also update that task (its status, progress), not move or delete it.

Enforced on the server: `has_permission` hooks (hooks.py) deny writing, and the `validate` events refuse
moving a record away from an order the user does not plan; whitelisted methods call `assert_can_plan`.
"""

import frappe
from frappe import _

#: roles that may plan every order
PLANNER_ROLES = frozenset({"Order Manager", "System Manager"})
#: permission types that change a record
CHANGE_PTYPES = frozenset({"write", "create", "delete", "submit", "cancel", "amend"})


def _manager_and_deputy(order) -> tuple[str | None, str | None]:
	if isinstance(order, str):
		return frappe.db.get_value("Customer Order", order, ["order_manager", "deputy"]) or (None, None)
	return order.get("order_manager"), order.get("deputy")


def can_plan(order, user: str | None = None) -> bool:
	"""May `user` (default: the session user) create and change the tasks and meetings of `order`
	(a Customer Order document or name)?"""
	user = user or frappe.session.user
	if user == "Administrator" or PLANNER_ROLES.intersection(frappe.get_roles(user)):
		return True
	return user in {u for u in _manager_and_deputy(order) if u}


def assert_can_plan(order, user: str | None = None) -> None:
	if can_plan(order, user):
		return
	name = order if isinstance(order, str) else order.name
	manager, deputy = _manager_and_deputy(order)
	frappe.throw(
		_(
			"Only the order's manager ({0}), its deputy ({1}) and Order Managers may plan tasks and meetings of Customer Order {2}."
		).format(manager or _("not set"), deputy or _("not set"), frappe.bold(name)),
		frappe.PermissionError,
		title=_("Not Allowed"),
	)


def _assigned_to(doc, user: str) -> bool:
	return user in frappe.parse_json(doc.get("_assign") or "[]")


def task_has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission hook of Task: only planners change an order's tasks (assignees may update them)."""
	order = doc.get("customer_order")
	if not order or ptype not in CHANGE_PTYPES:
		return None
	user = user or frappe.session.user
	if can_plan(order, user):
		return None
	if ptype == "write" and not doc.is_new() and _assigned_to(doc, user):
		return None
	return False


def meeting_has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission hook of Order Meeting: only planners create and change the order's meetings."""
	order = doc.get("customer_order")
	if not order or ptype not in CHANGE_PTYPES:
		return None
	return None if can_plan(order, user or frappe.session.user) else False


def assert_may_move(doc) -> None:
	"""validate of Task and Order Meeting: a record is linked to (or taken away from) an order only by a
	planner of that order, and a canceled order gets no new records. The has_permission hooks judge the
	record as it will be saved; this also guards the order it leaves."""
	before = doc.get_doc_before_save() if not doc.is_new() else None
	old, new = (before.get("customer_order") if before else None), doc.get("customer_order")
	if old == new:
		return
	if new:
		status = frappe.db.get_value("Customer Order", new, ["docstatus", "status"], as_dict=True)
		if status and (status.docstatus == 2 or status.status == "Canceled"):
			frappe.throw(
				_("Customer Order {0} is canceled: nothing more can be planned for it.").format(
					frappe.bold(new)
				),
				title=_("Order Canceled"),
			)
	if doc.flags.ignore_permissions:
		return
	for order in (old, new):
		if order:
			assert_can_plan(order)


def validate_task(doc, method=None):
	"""doc_events Task.validate."""
	assert_may_move(doc)
