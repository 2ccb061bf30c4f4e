"""Who may do what to a Customer Order and the records hanging on it (R15). Pure Python, no Frappe.

The rule answers one question for Frappe's `has_permission` hooks: may `user` (with `roles`) do `ptype` to a
record of `kind` that belongs to an order whose stored manager and deputy are given? It answers `None` ("as
the user's roles allow": Frappe's role permissions decide) or `False` (denied, whatever the roles say).
A hook can only take rights away, never grant them.

- Order Manager, System Manager (and Administrator) plan every order: the rule never denies them.
- The order's manager and deputy change, confirm and plan their order: the rule never denies them.
- Everybody else reads (as their roles allow) and changes nothing of the order or what hangs on it.
- `create` of a row on an existing order counts as a change of that order.
- A Task assigned by a planner to a user may be updated by that user (status, progress), not created,
  moved or deleted.
- A Task not linked to an order keeps ERPNext's rules: the app's roles (which the app grants on Task so
  that planners can plan) give no right on it; another role (e.g. Projects User) has to.
"""

from dataclasses import dataclass

#: roles that plan every order
PLANNER_ROLES = frozenset({"Order Manager", "System Manager"})
#: the app's roles (manager and deputy must hold one of them)
ORDER_ROLES = frozenset({"Order Manager", "Order User"})
#: permission types that change a record
CHANGE_PTYPES = frozenset({"write", "create", "delete", "submit", "cancel", "amend", "share"})

ORDER = "order"  # the Customer Order itself
RECORD = "record"  # Order Information, Order Agreement, Order Meeting: they belong to one order
TASK = "task"  # an ERPNext Task, linked to an order or not


@dataclass(frozen=True)
class Request:
	user: str
	roles: frozenset
	ptype: str
	kind: str = ORDER
	#: the order's manager and deputy as stored (None: no order, e.g. a Task without one)
	manager: str | None = None
	deputy: str | None = None
	has_order: bool = True
	#: the record is being created (not yet in the database)
	is_new: bool = False
	#: Task: an open assignment of it to the user, made by a planner of its order
	assigned: bool = False
	#: Task without order: a role other than the app's grants `ptype` on Task
	other_role_grants: bool = False


def is_planner(user: str, roles, manager: str | None, deputy: str | None) -> bool:
	"""Does `user` plan the order (manager, deputy, or a role that plans every order)?"""
	if user == "Administrator" or PLANNER_ROLES.intersection(roles):
		return True
	return bool(user) and user in {manager, deputy}


def decide(r: Request) -> bool | None:
	"""None: the user's roles decide; False: denied."""
	if r.ptype not in CHANGE_PTYPES:
		return None
	if r.kind == TASK and not r.has_order:
		if r.user == "Administrator" or r.other_role_grants:
			return None
		return False
	if r.kind == ORDER and r.is_new:
		# anyone whose roles may create orders; who they name as manager or deputy is checked on save
		return None
	if is_planner(r.user, r.roles, r.manager, r.deputy):
		return None
	if r.kind == TASK and r.assigned and r.ptype == "write" and not r.is_new:
		return None
	return False


def may_name_as_planner(roles_of_named_user, enabled: bool) -> bool:
	"""May a user with these roles be the manager or deputy of an order?"""
	return enabled and bool(
		ORDER_ROLES.intersection(roles_of_named_user) or "System Manager" in roles_of_named_user
	)


#: Task fields only the order's planners change (an assignee updates the rest: status, progress, …)
PLANNED_TASK_FIELDS = frozenset(
	{
		"subject",
		"customer_order",
		"methodology_step",
		"project",
		"company",
		"parent_task",
		"is_group",
		"is_template",
		"is_milestone",
		"exp_start_date",
		"exp_end_date",
		"expected_time",
		"start",
		"duration",
		"priority",
		"depends_on",
	}
)
