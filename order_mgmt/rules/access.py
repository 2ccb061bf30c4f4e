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
- Reading tasks: a role other than the app's that reads Task (e.g. Projects User) shows every task, as in
  ERPNext; the app's roles alone show only the tasks of orders the user may read (`task_read_scope` is the
  list's form of the same rule: the Task list's query conditions and `has_permission` agree).
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
	#: Task without order: a role other than the app's grants `ptype` on Task (for reading: any task)
	other_role_grants: bool = False
	#: Task of an order: the user may read that order
	order_readable: bool = True


def is_planner(user: str, roles, manager: str | None, deputy: str | None) -> bool:
	"""Does `user` plan the order (manager, deputy, or a role that plans every order)?"""
	if user == "Administrator" or PLANNER_ROLES.intersection(roles):
		return True
	return bool(user) and user in {manager, deputy}


def decide(r: Request) -> bool | None:
	"""None: the user's roles decide; False: denied."""
	if r.ptype not in CHANGE_PTYPES:
		return _read_task(r) if r.kind == TASK else None
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


#: which tasks a user's Task list shows (`task_read_scope`)
ALL_TASKS = "all"  # ERPNext's roles decide alone
ORDER_TASKS = "order tasks"  # only tasks of orders the user may read


def task_read_scope(user: str, other_role_reads: bool) -> str:
	"""Which tasks a user reads: every task when a role other than the app's reads Task (ERPNext's view), else
	only those of the orders the user may read (the app grants Task read to its roles for their orders)."""
	if user == "Administrator" or other_role_reads:
		return ALL_TASKS
	return ORDER_TASKS


def _read_task(r: Request) -> bool | None:
	"""Reading one task (read, select, report, print, email, export): `task_read_scope` for one record."""
	if task_read_scope(r.user, r.other_role_grants) == ALL_TASKS:
		return None
	if r.has_order and r.order_readable:
		return None
	return False


def other_roles_read(perms, roles) -> bool:
	"""Does a role in `roles` other than the app's read every record (not only their own) by these role
	permission rules (dicts with role, permlevel, if_owner, read)?"""
	return any(
		p.get("read")
		and not p.get("permlevel")
		and not p.get("if_owner")
		and p.get("role") in roles
		and p.get("role") not in ORDER_ROLES
		for p in perms
	)


def may_name_as_planner(roles_of_named_user, enabled: bool) -> bool:
	"""May a user with these roles be the manager or deputy of an order?"""
	return enabled and bool(
		ORDER_ROLES.intersection(roles_of_named_user) or "System Manager" in roles_of_named_user
	)


#: Task fields an assignee who does not plan the order may change (the other editable fields and the
#: dependencies: planners only; what ERPNext computes, e.g. from Timesheets, is not the user's input)
ASSIGNEE_TASK_FIELDS = frozenset({"status", "progress", "completed_by", "completed_on"})
