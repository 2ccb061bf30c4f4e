"""What install-app adds, and what uninstall-app takes away again (symmetric, idempotent)."""

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

ROLES = ("Order Manager", "Order User")


def get_custom_fields() -> dict[str, list[dict]]:
	"""Fields the app adds to ERPNext's doctypes: the link back to the Customer Order."""
	return {
		"Sales Order": [
			{
				"fieldname": "customer_order",
				"label": "Customer Order",
				"fieldtype": "Link",
				"options": "Customer Order",
				"insert_after": "customer_name",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"in_standard_filter": 1,
				"translatable": 0,
			}
		],
	}


def after_install():
	make_roles()
	make_custom_fields()
	make_settings()
	frappe.db.commit()


def after_migrate():
	make_roles()
	make_custom_fields()
	make_settings()


def make_settings():
	"""Default probabilities per status; values an administrator changed are kept."""
	settings = frappe.get_single("Order Management Settings")
	before = len(settings.probabilities)
	settings.add_missing_probabilities()
	if len(settings.probabilities) != before or settings.is_new():
		settings.flags.ignore_permissions = True
		settings.save()


def before_uninstall():
	delete_custom_fields()


def make_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def make_custom_fields():
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)


def delete_custom_fields():
	for doctype, fields in get_custom_fields().items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)
