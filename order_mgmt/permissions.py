"""Who may do what to a Customer Order and everything hanging on it (R15): the server side of
`order_mgmt.rules.access`.

- `has_permission` hooks (hooks.py) of Customer Order, Order Information, Order Agreement, Order Meeting
  and Task ask the one rule `rules.access.decide`, with the order's manager and deputy *as stored* (a
  request that names itself manager gains nothing) and, for tasks, the assignments read from ToDo.
- A document share would override a hook's "no" (Frappe v15): `validate_docshare` refuses shares of
  rights the rule denies; Order User has no share right.
- `validate_order_planners` (Customer Order.validate): the creator becomes manager; only users with an
  Order role are named manager or deputy.
- `validate_task` and `assert_may_move`: a record is linked to or taken from an order only by planners of
  both; an assignee who does not plan changes only a task's progress fields.
- `refuse_standalone_row`: the app's child rows are saved only through their parent.
"""

import frappe
from frappe import _
from frappe.permissions import get_valid_perms
from frappe.utils import escape_html

from order_mgmt import compat
from order_mgmt.rules import access

#: doctypes whose records belong to one order through their `customer_order` field
RECORD_DOCTYPES = ("Order Information", "Order Agreement", "Order Meeting")
#: doctypes the rule guards (shares of them are checked)
GUARDED_DOCTYPES = ("Customer Order", "Task", *RECORD_DOCTYPES)


def _roles(user: str) -> frozenset:
	return frozenset(frappe.get_roles(user))


def _stored_planners(order: str | None) -> tuple[str | None, str | None]:
	if not order:
		return None, None
	row = frappe.db.get_value("Customer Order", order, ["order_manager", "deputy"])
	return tuple(row) if row else (None, None)


def can_plan(order, user: str | None = None) -> bool:
	"""May `user` (default: the session user) change `order` (a name or document) and plan its tasks and
	meetings? Judged on the order's stored manager and deputy."""
	user = user or frappe.session.user
	name = order if isinstance(order, str) else order.name
	return access.is_planner(user, _roles(user), *_stored_planners(name))


def assert_can_plan(order, user: str | None = None) -> None:
	if can_plan(order, user):
		return
	name = order if isinstance(order, str) else order.name
	manager, deputy = _stored_planners(name)
	frappe.throw(
		_(
			"Only the order's manager ({0}), its deputy ({1}) and Order Managers may change Customer Order {2} and plan its work."
		).format(
			escape_html(manager or _("not set")), escape_html(deputy or _("not set")), frappe.bold(name)
		),
		frappe.PermissionError,
		title=_("Not Allowed"),
	)


# --- the ERPNext documents that carry an order ------------------------------------------------------------


def order_of_sales_order(sales_order) -> str | None:
	"""The Customer Order a Sales Order carries (`Customer Order.sales_order`, which only confirming sets)."""
	if not sales_order or not isinstance(sales_order, str):
		return None
	return frappe.db.get_value("Customer Order", {"sales_order": sales_order}, "name")


def assert_may_change_sales_order(sales_orders, action: str) -> None:
	"""A Sales Order that carries a Customer Order (`Customer Order.sales_order`, which only confirming
	sets) is changed only by those who may change that order; refused with a message naming the order and
	who may. `sales_orders`: a name or a list of names (one query for all)."""
	names = [sales_orders] if isinstance(sales_orders, str) else [n for n in sales_orders or () if n]
	if not names or frappe.session.user == "Administrator":
		return
	user, roles = frappe.session.user, _roles(frappe.session.user)
	co = frappe.qb.DocType("Customer Order")
	for order, sales_order, manager, deputy in (
		frappe.qb.from_(co)
		.select(co.name, co.sales_order, co.order_manager, co.deputy)
		.where(co.sales_order.isin([str(n) for n in names]))
		.orderby(co.name)
	).run():
		if access.is_planner(user, roles, manager, deputy):
			continue
		frappe.throw(
			_(
				"Sales Order {0} carries Customer Order {1}: only the order's manager ({2}), its deputy ({3}) and Order Managers may {4} it. Ask one of them, or ask to be made the order's deputy."
			).format(
				frappe.bold(sales_order),
				frappe.bold(order),
				escape_html(manager or _("not set")),
				escape_html(deputy or _("not set")),
				action,
			),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)


# --- what the desk offers -----------------------------------------------------------------------------------

#: the form's actions and the ERPNext document each makes (the app's action asks for its role too)
ACTION_DOCUMENTS = {
	"reserve": ("Stock Reservation Entry", True),
	"release": ("Stock Reservation Entry", False),
	"deliver": ("Delivery Note", False),
	"invoice": ("Sales Invoice", False),
	"pay": ("Payment Entry", True),
}


def allowed_actions(order) -> dict:
	"""Which of the order's actions the session user may take — the rule the server applies to each
	(`get_order` with a change right, then `assert_may_create` of the ERPNext document), asked once when
	the form loads so that the form offers only what the server allows."""
	plan = (
		not order.is_new()
		and can_plan(order.name)
		# (quietly: a "no" here is an answer, not a message for the user)
		and frappe.has_permission("Customer Order", "write", doc=order, throw=False)
	)
	actions = {"plan": plan}
	for action, (doctype, submit) in ACTION_DOCUMENTS.items():
		actions[action] = plan and all(
			frappe.has_permission(doctype, ptype)
			for ptype in (("create", "submit") if submit else ("create",))
		)
	return actions


def changeable(names) -> list[str]:
	"""Of these Customer Orders, those the session user may change (the Kanban board lets only them be
	dragged): one query."""
	names = [str(n) for n in names or () if n][:500]
	if not names:
		return []
	user, roles = frappe.session.user, _roles(frappe.session.user)
	if not frappe.has_permission("Customer Order", "write"):
		return []
	co = frappe.qb.DocType("Customer Order")
	rows = (frappe.qb.from_(co).select(co.name, co.order_manager, co.deputy).where(co.name.isin(names))).run()
	return [name for name, manager, deputy in rows if access.is_planner(user, roles, manager, deputy)]


# --- has_permission hooks --------------------------------------------------------------------------------


def _orders_of(doc) -> set[str]:
	"""The order a record claims, and the one it is stored with (both must be planned to change it)."""
	if doc.doctype == "Customer Order":
		return {doc.name}
	orders = {doc.get("customer_order")}
	if not doc.is_new():
		orders.add(frappe.db.get_value(doc.doctype, doc.name, "customer_order"))
	return {o for o in orders if o}


def _verdict(doc, ptype, user, kind) -> bool | None:
	"""The rule's answer for `doc`, judged against every order it belongs to (stored and claimed): False,
	or no objection (`compat.NO_OBJECTION`: None on v15, True on v16, where None denies)."""
	if ptype not in access.CHANGE_PTYPES:
		return compat.NO_OBJECTION
	user = user or frappe.session.user
	roles = _roles(user)
	is_new = doc.is_new()
	if kind == access.ORDER and is_new:
		orders = {None}  # a new order: its planners are checked on save
	else:
		orders = _orders_of(doc) or {None}
	for order in orders:
		manager, deputy = _stored_planners(order)
		request = access.Request(
			user=user,
			roles=roles,
			ptype=ptype,
			kind=kind,
			manager=manager,
			deputy=deputy,
			is_new=is_new,
			has_order=order is not None or kind != access.TASK,
			assigned=kind == access.TASK
			and order is not None
			and ptype == "write"
			and not is_new
			and assigned_by_planner(doc.name, user, order),
			other_role_grants=kind == access.TASK
			and order is None
			and _other_role_grants("Task", ptype, user),
		)
		if access.decide(request) is False:
			return False
	return compat.NO_OBJECTION


def customer_order_has_permission(doc, ptype=None, user=None, debug=False):
	return _verdict(doc, ptype, user, access.ORDER)


def record_has_permission(doc, ptype=None, user=None, debug=False):
	"""Order Information, Order Agreement, Order Meeting: changed only by the planners of their order."""
	return _verdict(doc, ptype, user, access.RECORD)


def task_has_permission(doc, ptype=None, user=None, debug=False):
	"""Task: an order's tasks are changed by its planners (an assignee updates them); a task without an
	order keeps ERPNext's rules (the app's roles give no right on it). Read: the app's roles alone read only
	tasks of orders the user may read (as `task_query_conditions` lists them)."""
	ptype = ptype or "read"
	if ptype in access.CHANGE_PTYPES:
		return _verdict(doc, ptype, user, access.TASK)
	user = user or frappe.session.user
	other_reads = _other_roles_read_task(user)
	if access.task_read_scope(user, other_reads) == access.ALL_TASKS:
		return compat.NO_OBJECTION
	# the order the task is stored with (a document handed in, e.g. to a print, claims nothing)
	order = doc.get("customer_order") if doc.is_new() else None
	if not doc.is_new() and isinstance(doc.name, str) and doc.name:
		order = frappe.db.get_value("Task", doc.name, "customer_order")
	# the order among those the user's list of orders shows: the same query `task_query_conditions` nests
	readable = False
	if order:
		try:
			readable = bool(
				frappe.get_list(
					"Customer Order", filters={"name": order}, pluck="name", limit_page_length=1, user=user
				)
			)
		except frappe.PermissionError:  # no order to read at all
			frappe.clear_last_message()
	request = access.Request(
		user=user,
		roles=_roles(user),
		ptype=ptype,
		kind=access.TASK,
		has_order=bool(order),
		other_role_grants=other_reads,
		order_readable=bool(readable),
	)
	verdict = access.decide(request)
	return compat.NO_OBJECTION if verdict is None else verdict


def _other_roles_read_task(user: str) -> bool:
	"""Does a role of the user other than the app's read every Task (role permissions of the cached meta)?"""
	return access.other_roles_read(frappe.get_meta("Task").permissions, set(frappe.get_roles(user)))


def task_query_conditions(user: str | None = None) -> str:
	"""permission_query_conditions of Task (lists, counts, report views, link searches): for a user whose
	only Task read comes from the app's roles, the tasks of the orders they may read, i.e. Frappe's own
	list query of Customer Order for that user (roles, user permissions, shares), not run, as a subquery."""
	user = user or frappe.session.user
	if access.task_read_scope(user, _other_roles_read_task(user)) == access.ALL_TASKS:
		return ""
	try:
		orders = compat.list_query_sql(
			"Customer Order",
			fields=["`tabCustomer Order`.`name`"],
			order_by="`tabCustomer Order`.`name` asc",
			limit_page_length=0,
			user=user,
		)
	except frappe.PermissionError:  # no order to read at all
		frappe.clear_last_message()
		return "1 = 0"
	return f"`tabTask`.`customer_order` in ({orders})"


def task_dependency_query_conditions(user: str | None = None) -> str:
	"""permission_query_conditions of Task Depends On (a task's dependency rows, listed over
	`/api/resource`): only rows of the tasks the user's Task list shows."""
	tasks = task_query_conditions(user)
	if not tasks:
		return ""
	return f"`tabTask Depends On`.`parent` in (select `tabTask`.`name` from `tabTask` where {tasks})"


def _other_role_grants(doctype: str, ptype: str, user: str) -> bool:
	"""Does a role of the user other than the app's grant `ptype` on `doctype`?"""
	return any(
		p.get(ptype) and p.get("permlevel", 0) == 0 and p.role not in access.ORDER_ROLES
		for p in get_valid_perms(doctype, user)
	)


def assigned_by_planner(task: str, user: str, order: str) -> bool:
	"""Is `task` assigned to `user` (an open ToDo) by a planner of `order`? Read from ToDo: the `_assign`
	a request carries counts for nothing, and neither does an assignment somebody made for themselves."""
	if not task:
		return False
	rows = frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Task",
			"reference_name": task,
			"allocated_to": user,
			"status": "Open",
		},
		fields=["owner", "assigned_by", "modified_by"],
		ignore_permissions=True,
	)
	manager, deputy = _stored_planners(order)
	for r in rows:
		makers = {r.owner, r.assigned_by, r.modified_by}
		if len(makers) == 1 and access.is_planner(r.owner, _roles(r.owner), manager, deputy):
			return True
	return False


# --- shares and assignments ------------------------------------------------------------------------------


def validate_docshare(doc, method=None):
	"""DocShare.validate: a share may not give a right the rule denies (a share overrides the hooks)."""
	if doc.share_doctype not in GUARDED_DOCTYPES or not doc.share_name:
		return
	if doc.share_doctype == "Task" and not frappe.db.get_value("Task", doc.share_name, "customer_order"):
		return  # a task of no order: ERPNext's rules
	rights = [r for r in ("write", "submit", "share") if doc.get(r)]
	if not rights:
		return
	target = frappe.get_doc(doc.share_doctype, doc.share_name)
	for right in rights:
		denied = doc.everyone or not frappe.has_permission(
			doc.share_doctype, right, target, user=doc.user, ignore_share_permissions=True
		)
		if denied:
			frappe.throw(
				_(
					"{0} {1} cannot be shared with {2} for {3}: only the order's manager, its deputy and Order Managers may change it."
				).format(
					_(doc.share_doctype),
					frappe.bold(doc.share_name),
					escape_html(_("everyone") if doc.everyone else doc.user),
					_(right),
				),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)


def validate_todo(doc, method=None):
	"""ToDo.validate: an assignment of an order or of what hangs on it says truthfully who made it (the
	session user). Assignments of every other document stay ERPNext's."""
	user = frappe.session.user
	if user in ("Administrator", "Guest") or doc.get("reference_type") not in GUARDED_DOCTYPES:
		return
	if doc.is_new() or doc.has_value_changed("assigned_by"):
		doc.assigned_by = user


# --- the order's manager and deputy -------------------------------------------------------------------------


def validate_order_planners(order) -> None:
	"""Customer Order.validate: the creator becomes the manager (unless another is named); a manager or
	deputy must be an enabled user with an Order role; only planners change them (has_permission judges
	the stored values, so a request naming itself gains nothing)."""
	user = frappe.session.user
	if order.is_new() and not order.order_manager and access.ORDER_ROLES.intersection(_roles(user)):
		order.order_manager = user
	before = order.get_doc_before_save()
	for field in ("order_manager", "deputy"):
		value = order.get(field)
		if not value or (before and before.get(field) == value):
			continue
		enabled = frappe.db.get_value("User", value, "enabled")
		if not access.may_name_as_planner(_roles(value), bool(enabled)):
			frappe.throw(
				_(
					"{0} cannot be the order's {1}: give them the Order User or Order Manager role first."
				).format(frappe.bold(escape_html(value)), _(order.meta.get_label(field))),
				title=_("Not an Order User"),
			)
		if before and not order.flags.ignore_permissions and not can_plan(order.name):
			assert_can_plan(order.name)


# --- records linked to an order ---------------------------------------------------------------------------


def assert_may_move(doc) -> None:
	"""validate of Task and Order Meeting/Information/Agreement: a record is linked to (or taken away from)
	an order only by a planner of that order, and a canceled order gets no new records."""
	before = doc.get_doc_before_save() if not doc.is_new() else None
	old, new = (before.get("customer_order") if before else None), doc.get("customer_order")
	if old == new and not doc.is_new():
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


def assert_planner(doc) -> None:
	"""A change of an existing order, or of a record of one, is judged when it is made, whatever let the
	request through: a document share overrides the `has_permission` hooks' "no" in Frappe, and a share
	given to the order's deputy keeps its right after the deputy changes. Server code that decided for
	itself (`ignore_permissions`) is not judged again."""
	if doc.is_new() or doc.flags.ignore_permissions:
		return
	for order in _orders_of(doc):
		assert_can_plan(order)


def validate_task(doc, method=None):
	"""doc_events Task.validate: moving between orders needs planners of both; an assignee who does not
	plan the order changes only the task's progress (status, progress, completion); nobody else (a user
	holding a share, say) changes it."""
	assert_may_move(doc)
	order = doc.get("customer_order")
	if not order or doc.is_new() or doc.flags.ignore_permissions or can_plan(order):
		return
	if not assigned_by_planner(doc.name, frappe.session.user, order):
		assert_can_plan(order)
	before = doc.get_doc_before_save()
	if not before:
		return
	changed = [
		df.fieldname
		for df in doc.meta.fields
		if df.fieldname not in access.ASSIGNEE_TASK_FIELDS
		and not df.read_only
		and df.fieldtype not in frappe.model.no_value_fields
		and (
			_rows(doc, df.fieldname) != _rows(before, df.fieldname)
			if df.fieldtype in frappe.model.table_fields
			else str(doc.get(df.fieldname) or "") != str(before.get(df.fieldname) or "")
		)
	]
	if changed:
		frappe.throw(
			_(
				"You may update the status and progress of task {0}; only the order's planners change its {1}."
			).format(frappe.bold(doc.name), ", ".join(_(doc.meta.get_label(f)) for f in changed)),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)


def _rows(doc, table: str) -> list[tuple]:
	return [(r.get("task"), r.idx) for r in doc.get(table) or []]


def validate_record(doc, method=None):
	"""validate of Order Information and Order Agreement."""
	assert_may_move(doc)
	assert_planner(doc)


# --- child rows only through their parent -----------------------------------------------------------------


#: documents whose rows are changed only through them (their rules and permissions then apply)
ROWS_ONLY_THROUGH_PARENT = frozenset({"Customer Order", *RECORD_DOCTYPES})


def refuse_standalone_row(doctype: str, parent: str, parenttype: str) -> None:
	"""A row written on its own (order_mgmt.overrides.child_rows) into the app's documents, an order's task
	or an order's tax lines: refused — such rows are saved or deleted only through their parent."""
	through_parent = parenttype in ROWS_ONLY_THROUGH_PARENT or (
		parenttype == "Task" and frappe.db.get_value("Task", parent, "customer_order")
	)
	if not through_parent:
		return
	frappe.throw(
		_("A row of {0} is changed through its {1}: open {1} {2} and save it there.").format(
			_(doctype), _(parenttype), frappe.bold(escape_html(parent))
		),
		frappe.PermissionError,
		title=_("Not Allowed"),
	)


# --- the order an action is asked for ------------------------------------------------------------------------


def get_order(name, ptype: str = "read"):
	"""The Customer Order `name` for an action that needs `ptype` on it. An order the user may not read
	answers exactly as one that does not exist (its existence is not revealed)."""
	if (
		not isinstance(name, str)
		or not name
		or not frappe.db.exists("Customer Order", name)
		or not compat.has_permission_quietly("Customer Order", "read", doc=name)
	):
		frappe.throw(
			_("Customer Order {0} not found.").format(frappe.bold(escape_html(str(name or "")))),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)
	order = frappe.get_doc("Customer Order", name)
	if ptype != "read" and not order.has_permission(ptype):
		manager, deputy = _stored_planners(name)
		frappe.throw(
			_(
				"You may not {0} Customer Order {1}: its manager ({2}), its deputy ({3}) and Order Managers may."
			).format(
				_(ptype),
				frappe.bold(name),
				escape_html(manager or _("not set")),
				escape_html(deputy or _("not set")),
			),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)
	return order


def assert_may_create(*doctypes: str, submit: bool = False) -> None:
	"""The ERPNext documents an action makes need the ERPNext role that may create (and submit) them."""
	for doctype in doctypes:
		for ptype in ("create", "submit") if submit else ("create",):
			if not frappe.has_permission(doctype, ptype):
				frappe.throw(
					_("You may not {0} a {1}: ask for the ERPNext role that may.").format(
						_(ptype), _(doctype)
					),
					frappe.PermissionError,
					title=_("Not Allowed"),
				)


def validate_attachment(doc, method=None):
	"""File.validate (every insert and save) and File.on_trash: a file is attached to an order or to a record
	of one (information, agreement, meeting, task), re-pointed at it or taken off it only by a session user
	who may change (write) that record, and only to a record that exists (names are sequential: a name not
	yet made is not reserved; the desk's placeholder name of an unsaved form attaches to nothing yet). Whoever saves and however: the file's owner (Frappe lets the owner change and
	delete a File), a guest's upload and `ignore_permissions` (which Frappe's upload sets for guests)
	included. Saves that leave the attachment as it was (folder, privacy) are not judged."""
	if doc.get("is_folder"):
		return
	fields = ("attached_to_doctype", "attached_to_name", "attached_to_field")
	current = (doc.get("attached_to_doctype"), doc.get("attached_to_name"))
	before = None if method == "on_trash" or doc.is_new() else doc.get_doc_before_save()
	attach = _("You may not attach files to {0} {1}.")
	remove = _("You may not remove files from {0} {1}: only those who may change it may.")
	if method == "on_trash":
		# (a record deleted with its files is no longer there to guard)
		targets = [(*current, False, remove)]
	elif before is None:
		targets = [(*current, True, attach)]
	elif all(str(doc.get(f) or "") == str(before.get(f) or "") for f in fields):
		return
	else:
		previous = (before.get("attached_to_doctype"), before.get("attached_to_name"))
		targets = [(*current, True, attach), (*previous, False, remove)]
	guarded = {d.lower(): d for d in GUARDED_DOCTYPES}
	for doctype, name, must_exist, message in targets:
		doctype = guarded.get(str(doctype or "").strip().lower())
		if not doctype or not name:
			continue
		name = str(name)
		if doctype == "Task" and not frappe.db.get_value("Task", name, "customer_order"):
			continue  # a task of no order (or not made yet): ERPNext's rules
		if not frappe.db.exists(doctype, name):
			# the desk's name of a form not saved yet ("new-order-information-…", never a record's name):
			# a file put into such a form's attach field is linked to the record when it is saved
			if must_exist and not name.startswith(f"new-{doctype.lower().replace(' ', '-')}-"):
				frappe.throw(
					_("{0} {1} does not exist: save it first, then attach the file to it.").format(
						_(doctype), frappe.bold(escape_html(name))
					),
					frappe.LinkValidationError,
					title=_("Not Saved"),
				)
			continue
		if not frappe.has_permission(doctype, "write", doc=name):
			frappe.throw(
				message.format(_(doctype), frappe.bold(escape_html(name))),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)
