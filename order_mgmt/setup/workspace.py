"""Install and uninstall of the order workspace (R8, R9, R16): what the Order roles may do with ERPNext's
Tasks (and reading Customers), and the sample methodology. Called from `install.py`;
idempotent, and `remove_workspace_setup` takes away what `setup_workspace` added."""

import frappe
from frappe.permissions import add_permission, update_permission_property

#: role permissions the app adds to ERPNext doctypes (Custom DocPerm, permission level 0)
CUSTOM_PERMISSIONS: dict[tuple[str, str], dict[str, int]] = {
	("Task", "Order Manager"): {
		"read": 1,
		"write": 1,
		"create": 1,
		"delete": 1,
		"report": 1,
		"print": 1,
		"email": 1,
		"share": 1,
		"export": 1,
	},
	# further limited by order_mgmt.permissions.task_has_permission: only the order's planners change them
	("Task", "Order User"): {
		"read": 1,
		"write": 1,
		"create": 1,
		"delete": 1,
		"report": 1,
		"print": 1,
		"email": 1,
	},
	# meetings, information and agreements show the order's customer (a link fetched from the order)
	("Customer", "Order User"): {"read": 1, "select": 1},
}

SAMPLE_METHODOLOGY = "Standard Order Delivery"


def setup_workspace(with_permissions: bool = True):
	"""`with_permissions` only at install: `migrate` never grants again a right an administrator took away."""
	if with_permissions:
		make_custom_permissions()
	make_sample_methodology()


def remove_workspace_setup():
	delete_custom_permissions()


def make_custom_permissions():
	changed = False
	for (doctype, role), rights in CUSTOM_PERMISSIONS.items():
		filters = {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
		if not frappe.db.exists("Custom DocPerm", filters):
			add_permission(doctype, role, 0)
			changed = True
		current = frappe.db.get_value("Custom DocPerm", filters, list(rights), as_dict=True) or {}
		for ptype, value in rights.items():
			if current.get(ptype) != value:
				update_permission_property(doctype, role, 0, ptype, value, validate=False)
				changed = True
	if changed:
		frappe.clear_cache()


def delete_custom_permissions():
	for doctype in {d for d, _role in CUSTOM_PERMISSIONS}:
		roles = [role for d, role in CUSTOM_PERMISSIONS if d == doctype]
		frappe.db.delete("Custom DocPerm", {"parent": doctype, "role": ("in", roles)})
		if _custom_equals_standard(doctype):
			# the rest is ERPNext's own rules copied when ours were added: let the doctype follow ERPNext again
			frappe.db.delete("Custom DocPerm", {"parent": doctype})
	frappe.clear_cache()


def _custom_equals_standard(doctype: str) -> bool:
	fields = [
		"role",
		"permlevel",
		"if_owner",
		"read",
		"write",
		"create",
		"delete",
		"submit",
		"cancel",
		"amend",
	]

	def rows(table):
		return sorted(
			tuple(r[f] or 0 for f in fields)
			for r in frappe.get_all(table, filters={"parent": doctype}, fields=fields)
		)

	return rows("Custom DocPerm") == rows("DocPerm")


def make_sample_methodology():
	"""One methodology to start from (and for the demo); left alone once it exists."""
	if frappe.db.exists("Order Methodology", SAMPLE_METHODOLOGY):
		return
	frappe.get_doc(
		{
			"doctype": "Order Methodology",
			"methodology_name": SAMPLE_METHODOLOGY,
			"description": "Preparation, implementation, optional training and acceptance of a custom order.",
			"parts": [
				{"part_name": "Preparation", "optional": 0},
				{"part_name": "Implementation", "optional": 0},
				{"part_name": "Training", "optional": 1, "description": "When the customer orders training."},
				{"part_name": "Acceptance", "optional": 0},
			],
			"steps": [
				{
					"step_id": "P1",
					"part": "Preparation",
					"subject": "Kick-off meeting with the customer",
					"offset_days": 0,
					"duration_days": 1,
					"role": "Order Manager",
				},
				{
					"step_id": "P2",
					"part": "Preparation",
					"subject": "Confirm scope and delivery dates",
					"offset_days": 1,
					"duration_days": 3,
					"depends_on": "P1",
					"role": "Order Manager",
				},
				{
					"step_id": "I1",
					"part": "Implementation",
					"subject": "Implementation",
					"offset_days": 4,
					"duration_days": 10,
					"depends_on": "P2",
					"role": "Deputy",
				},
				{
					"step_id": "T1",
					"part": "Training",
					"subject": "Train the customer's users",
					"offset_days": 14,
					"duration_days": 2,
					"depends_on": "I1",
					"role": "Deputy",
				},
				{
					"step_id": "A1",
					"part": "Acceptance",
					"subject": "Acceptance and handover",
					"offset_days": 16,
					"duration_days": 1,
					"depends_on": "I1, T1",
					"role": "Order Manager",
				},
				{
					"step_id": "A2",
					"part": "Acceptance",
					"subject": "Invoice the order",
					"offset_days": 17,
					"duration_days": 1,
					"depends_on": "A1",
					"role": "Order Manager",
				},
			],
		}
	).insert(ignore_permissions=True)
