"""What install-app adds, and what uninstall-app takes away again (symmetric, idempotent)."""

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from order_mgmt import compat
from order_mgmt.setup.desk import remove_desk_setup, setup_desk
from order_mgmt.setup.workspace import remove_workspace_setup, setup_workspace

ROLES = ("Order Manager", "Order User")


def get_custom_fields() -> dict[str, list[dict]]:
	"""Fields the app adds to ERPNext's doctypes: the link back to the Customer Order."""
	return {
		# the order's workspace (R8, R9): tasks of an order, and the methodology step a task was made from
		"Task": [
			{
				"fieldname": "customer_order",
				"label": "Customer Order",
				"fieldtype": "Link",
				"options": "Customer Order",
				"insert_after": "project",
				"search_index": 1,
				"in_standard_filter": 1,
				"translatable": 0,
			},
			{
				"fieldname": "methodology_step",
				"label": "Methodology Step",
				"fieldtype": "Data",
				"insert_after": "customer_order",
				"read_only": 1,
				"no_copy": 1,
				"translatable": 0,
				"description": "Methodology::Step ID this task was added from (adding tasks again skips it).",
			},
		],
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
	setup_workspace()
	make_settings()
	enable_stock_reservation()
	setup_desk()
	setup_print_formats()
	frappe.db.commit()


def after_migrate():
	make_roles()
	make_custom_fields()
	setup_workspace(with_permissions=False)
	make_settings()
	setup_desk()
	setup_print_formats()


def setup_print_formats():
	"""The PDF generator of the app's print formats: Frappe's default (wkhtmltopdf) on v15, and on v16
	wherever wkhtmltopdf is installed; Frappe v16's Chrome generator on a v16 server without it
	(`compat.pdf_generator`)."""
	generator = compat.pdf_generator()
	if not generator:
		return
	for name in frappe.get_all(
		"Print Format", filters={"module": "Order Mgmt", "standard": "Yes"}, pluck="name"
	):
		if frappe.db.get_value("Print Format", name, "pdf_generator") != generator:
			frappe.db.set_value("Print Format", name, "pdf_generator", generator, update_modified=False)


def enable_stock_reservation():
	"""Reservations are ERPNext's Stock Reservation Entries: switch them on (partial reservation allowed).
	Only at install: an administrator who turns them off later is not overruled by migrate. Whether they
	may be switched on is ERPNext's decision: it refuses while *Allow Negative Stock* is on or some stock is
	negative. Then the app is installed without them and says why; the site's settings stay as they are."""
	settings = frappe.get_single("Stock Settings")
	if settings.enable_stock_reservation and settings.allow_partial_reservation:
		return
	settings.enable_stock_reservation = 1
	settings.allow_partial_reservation = 1
	settings.flags.ignore_permissions = True
	frappe.db.savepoint("order_mgmt_stock_reservation")
	try:
		settings.save()
	except frappe.ValidationError as refusal:
		frappe.db.rollback(save_point="order_mgmt_stock_reservation")
		frappe.clear_document_cache("Stock Settings", "Stock Settings")
		frappe.clear_messages()
		note = _(
			"Stock reservation was not switched on: {0} Orders cannot reserve stock until it is switched on in Stock Settings."
		).format(frappe.utils.strip_html(str(refusal)))
		print(note)


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
	remove_workspace_setup()
	remove_desk_setup()
	compat.remove_desktop_entries("Order Mgmt")


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
