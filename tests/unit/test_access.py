"""Who may do what to an order and what hangs on it (R15): one row per user, order and ptype."""

import pytest

from order_mgmt.rules import access as a
from order_mgmt.rules.content import is_safe_file_url

ORDER_USER = frozenset({"Order User"})
ORDER_USER_PROJECTS = frozenset({"Order User", "Projects User"})
ORDER_MANAGER = frozenset({"Order Manager"})
SYSTEM_MANAGER = frozenset({"System Manager"})
SALES_USER = frozenset({"Sales User"})

ALLOWED, DENIED = None, False

# (user, roles, kind, manager, deputy, ptype, is_new, assigned, has_order, other_role_grants, expected)
CASES = [
	# the order itself: manager and deputy change it, others only read
	("mgr", ORDER_USER, a.ORDER, "mgr", "dep", "write", False, False, True, False, ALLOWED),
	("dep", ORDER_USER, a.ORDER, "mgr", "dep", "write", False, False, True, False, ALLOWED),
	("dep", ORDER_USER, a.ORDER, "mgr", "dep", "submit", False, False, True, False, ALLOWED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "write", False, False, True, False, DENIED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "submit", False, False, True, False, DENIED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "cancel", False, False, True, False, DENIED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "delete", False, False, True, False, DENIED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "share", False, False, True, False, DENIED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "read", False, False, True, False, ALLOWED),
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "print", False, False, True, False, ALLOWED),
	# a child row created on an existing order is a change of the order
	("other", ORDER_USER, a.ORDER, "mgr", "dep", "create", False, False, True, False, DENIED),
	("mgr", ORDER_USER, a.ORDER, "mgr", "dep", "create", False, False, True, False, ALLOWED),
	# an order without manager or deputy: only the roles that plan every order change it
	("other", ORDER_USER, a.ORDER, None, None, "write", False, False, True, False, DENIED),
	("boss", ORDER_MANAGER, a.ORDER, None, None, "write", False, False, True, False, ALLOWED),
	# a new order: the roles decide (who is named manager is checked on save)
	("other", ORDER_USER, a.ORDER, None, None, "create", True, False, True, False, ALLOWED),
	("other", ORDER_USER, a.ORDER, None, None, "submit", True, False, True, False, ALLOWED),
	# Order Manager, System Manager, Administrator: never denied by the rule
	("boss", ORDER_MANAGER, a.ORDER, "mgr", "dep", "write", False, False, True, False, ALLOWED),
	("boss", ORDER_MANAGER, a.ORDER, "mgr", "dep", "cancel", False, False, True, False, ALLOWED),
	("sys", SYSTEM_MANAGER, a.ORDER, "mgr", "dep", "delete", False, False, True, False, ALLOWED),
	("Administrator", frozenset(), a.ORDER, "mgr", "dep", "write", False, False, True, False, ALLOWED),
	# read-only roles stay read-only
	("sales", SALES_USER, a.ORDER, "mgr", "dep", "write", False, False, True, False, DENIED),
	("sales", SALES_USER, a.ORDER, "mgr", "dep", "read", False, False, True, False, ALLOWED),
	# information, agreements, meetings of the order: its planners
	("mgr", ORDER_USER, a.RECORD, "mgr", "dep", "create", True, False, True, False, ALLOWED),
	("other", ORDER_USER, a.RECORD, "mgr", "dep", "create", True, False, True, False, DENIED),
	("other", ORDER_USER, a.RECORD, "mgr", "dep", "write", False, False, True, False, DENIED),
	("other", ORDER_USER, a.RECORD, "mgr", "dep", "delete", False, False, True, False, DENIED),
	("other", ORDER_USER, a.RECORD, "mgr", "dep", "read", False, False, True, False, ALLOWED),
	("boss", ORDER_MANAGER, a.RECORD, "mgr", "dep", "delete", False, False, True, False, ALLOWED),
	# tasks of the order: planners; an assignee (assigned by a planner) updates, never creates or deletes
	("dep", ORDER_USER, a.TASK, "mgr", "dep", "create", True, False, True, False, ALLOWED),
	("other", ORDER_USER, a.TASK, "mgr", "dep", "create", True, False, True, False, DENIED),
	("other", ORDER_USER, a.TASK, "mgr", "dep", "write", False, True, True, False, ALLOWED),
	("other", ORDER_USER, a.TASK, "mgr", "dep", "write", False, False, True, False, DENIED),
	("other", ORDER_USER, a.TASK, "mgr", "dep", "delete", False, True, True, False, DENIED),
	# a Projects role does not open another's order's tasks
	("other", ORDER_USER_PROJECTS, a.TASK, "mgr", "dep", "write", False, False, True, True, DENIED),
	# tasks without an order: ERPNext's rules (the app's roles give nothing)
	("other", ORDER_USER, a.TASK, None, None, "write", False, False, False, False, DENIED),
	("other", ORDER_USER, a.TASK, None, None, "create", True, False, False, False, DENIED),
	("other", ORDER_USER_PROJECTS, a.TASK, None, None, "write", False, False, False, True, ALLOWED),
	("boss", ORDER_MANAGER, a.TASK, None, None, "write", False, False, False, False, DENIED),
	# … nor do they show it: reading a task of no order needs another role (see TASK_READS)
	("other", ORDER_USER, a.TASK, None, None, "read", False, False, False, False, DENIED),
	("other", ORDER_USER_PROJECTS, a.TASK, None, None, "read", False, False, False, True, ALLOWED),
]


@pytest.mark.parametrize(
	"user,roles,kind,manager,deputy,ptype,is_new,assigned,has_order,other_role_grants,expected", CASES
)
def test_decide(
	user, roles, kind, manager, deputy, ptype, is_new, assigned, has_order, other_role_grants, expected
):
	request = a.Request(
		user=user,
		roles=roles,
		ptype=ptype,
		kind=kind,
		manager=manager,
		deputy=deputy,
		has_order=has_order,
		is_new=is_new,
		assigned=assigned,
		other_role_grants=other_role_grants,
	)
	assert a.decide(request) is expected


# Reading tasks (issue 23): (user, other role reads Task, task has an order, user may read that order, ptype,
# expected). The app's roles alone read only tasks of orders the user may read; a role of ERPNext's that
# reads Task (Projects User, or System Manager where a site grants it) keeps ERPNext's view of all tasks.
TASK_READS = [
	("ou", False, True, True, "read", ALLOWED),
	("ou", False, True, False, "read", DENIED),  # an order hidden by user permissions
	("ou", False, False, False, "read", DENIED),  # a task of no order (or of an internal project)
	("ou", False, False, False, "select", DENIED),
	("ou", False, False, False, "report", DENIED),
	("ou", False, False, False, "export", DENIED),
	("ou", False, True, False, "print", DENIED),
	("ou", False, True, False, "email", DENIED),
	("ou", False, True, True, "print", ALLOWED),
	("projects", True, False, False, "read", ALLOWED),
	("projects", True, True, False, "read", ALLOWED),  # ERPNext's view: every task
	("projects", True, False, False, "report", ALLOWED),
	("Administrator", False, False, False, "read", ALLOWED),
]


@pytest.mark.parametrize("user,other_role_reads,has_order,order_readable,ptype,expected", TASK_READS)
def test_task_reads(user, other_role_reads, has_order, order_readable, ptype, expected):
	request = a.Request(
		user=user,
		roles=ORDER_USER,
		ptype=ptype,
		kind=a.TASK,
		manager="mgr" if has_order else None,
		has_order=has_order,
		other_role_grants=other_role_reads,
		order_readable=order_readable,
	)
	assert a.decide(request) is expected
	# the list's scope is the same rule: all tasks, or (only) the tasks of readable orders
	scope = a.task_read_scope(user, other_role_reads)
	listed = scope == a.ALL_TASKS or (has_order and order_readable)
	assert listed is (expected is ALLOWED)


def test_reading_orders_or_records_is_left_to_the_roles():
	for kind in (a.ORDER, a.RECORD):
		r = a.Request(user="ou", roles=ORDER_USER, ptype="read", kind=kind, order_readable=False)
		assert a.decide(r) is ALLOWED


def _perm(role, read=1, permlevel=0, if_owner=0):
	return {"role": role, "read": read, "permlevel": permlevel, "if_owner": if_owner}


@pytest.mark.parametrize(
	"perms,roles,expected",
	[
		([_perm("Projects User"), _perm("Order User")], {"Order User"}, False),
		([_perm("Projects User"), _perm("Order User")], {"Order User", "Projects User"}, True),
		([_perm("Order Manager")], {"Order Manager"}, False),
		([_perm("System Manager")], {"System Manager", "Order User"}, True),
		([_perm("Projects User", read=0)], {"Projects User"}, False),
		([_perm("Projects User", permlevel=1)], {"Projects User"}, False),
		([_perm("Projects User", if_owner=1)], {"Projects User"}, False),  # own tasks only: not "all"
		([], {"Projects User"}, False),
	],
)
def test_other_roles_read(perms, roles, expected):
	assert a.other_roles_read(perms, roles) is expected


@pytest.mark.parametrize(
	"roles,enabled,expected",
	[
		({"Order User"}, True, True),
		({"Order Manager"}, True, True),
		({"System Manager"}, True, True),
		({"Sales User"}, True, False),
		(set(), True, False),
		({"Order User"}, False, False),
	],
)
def test_may_name_as_planner(roles, enabled, expected):
	assert a.may_name_as_planner(roles, enabled) is expected


@pytest.mark.parametrize(
	"url,expected",
	[
		("/files/drawing.pdf", True),
		("/private/files/contract v2.pdf", True),
		("https://example.com/spec.pdf", True),
		("http://example.com/a?b=c", True),
		("javascript:alert(1)", False),
		(" JavaScript:alert(1)", False),
		("data:text/html;base64,PHNjcmlwdD4=", False),
		("vbscript:msgbox", False),
		("//evil.example/x", False),
		("ftp://example.com/x", False),
		("https://", False),
		('/files/x.pdf" onmouseover="alert(1)', False),
		("/files/../../etc/passwd", False),
		("", False),
		(None, False),
	],
)
def test_safe_file_url(url, expected):
	assert is_safe_file_url(url) is expected
