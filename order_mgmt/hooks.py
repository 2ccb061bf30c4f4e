app_name = "order_mgmt"
app_title = "Order Mgmt"
app_publisher = "order_mgmt developers"
app_description = "Customer order management for ERPNext v15"
app_email = "dev@order-mgmt.invalid"
app_license = "gpl-3.0"

# Offline benches resolve "frappe/erpnext" without asking GitHub (see README).
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Installation
# ------------
after_install = "order_mgmt.setup.install.after_install"
after_migrate = "order_mgmt.setup.install.after_migrate"
before_uninstall = "order_mgmt.setup.install.before_uninstall"

# Document events on ERPNext's doctypes: one module per document, no logic here
# ------------------------------------------------------------------------------
_events = "order_mgmt.overrides.events"
doc_events = {
	# a child row never changes its parent (R15): every document, before Frappe writes its rows by name
	"*": {
		"before_validate": "order_mgmt.overrides.child_rows.refuse_foreign_rows",
		"before_update_after_submit": "order_mgmt.overrides.child_rows.refuse_foreign_rows",
		"before_cancel": "order_mgmt.overrides.child_rows.refuse_foreign_rows",
		# … and a row written on its own into the Sales Order of an order needs the right to change it
		"before_insert": "order_mgmt.overrides.child_rows.guard_rows_of_an_orders_sales_order",
		"validate": "order_mgmt.overrides.child_rows.guard_rows_of_an_orders_sales_order",
		"on_trash": "order_mgmt.overrides.child_rows.guard_rows_of_an_orders_sales_order",
	},
	"Sales Order": {
		"validate": "order_mgmt.selling.guard_sales_order_link",
		# the order's rule covers the Sales Order that carries it (R15)
		"before_cancel": "order_mgmt.overrides.sales_order.before_cancel",
		"before_update_after_submit": "order_mgmt.overrides.sales_order.before_update_after_submit",
		"on_trash": "order_mgmt.overrides.sales_order.on_trash",
		"on_submit": f"{_events}.sales_order_stock_written",
		"on_cancel": f"{_events}.sales_order_cancelled",
		"on_update_after_submit": f"{_events}.sales_order_updated_after_submit",
		"on_change": f"{_events}.sales_order_changed",
	},
	"Delivery Note": {
		"before_submit": f"{_events}.delivery_note_before_submit",
		"on_submit": f"{_events}.delivery_note_changed",
		"on_cancel": f"{_events}.delivery_note_changed",
	},
	"Sales Invoice": {
		"on_change": f"{_events}.sales_invoice_changed",
	},
	"Payment Entry": {
		"on_submit": f"{_events}.payment_entry_changed",
		"on_cancel": f"{_events}.payment_entry_changed",
	},
	"Stock Reservation Entry": {
		"before_submit": [
			# reserving for an order's Sales Order from its form is a change of the order (R15)
			"order_mgmt.overrides.sales_order.reservation_made_directly",
			f"{_events}.stock_reservation_before_submit",
		],
		"before_cancel": "order_mgmt.overrides.sales_order.reservation_made_directly",
		"on_submit": f"{_events}.stock_reservation_changed",
		"on_cancel": f"{_events}.stock_reservation_changed",
		"on_update_after_submit": f"{_events}.stock_reservation_changed",
	},
	# sources of an order's lines (R4): on_change runs on every save, submit, cancel and status update
	"Work Order": {
		"on_change": f"{_events}.work_order_changed",
		"after_delete": f"{_events}.work_order_changed",
	},
	"Purchase Order": {
		"on_change": f"{_events}.purchase_order_changed",
		"after_delete": f"{_events}.purchase_order_changed",
	},
	# a line taken off a submitted Purchase Order by Update Items (deleted before the rest is saved)
	"Purchase Order Item": {"after_delete": f"{_events}.purchase_order_line_removed"},
	"Material Request": {
		"on_change": f"{_events}.material_request_changed",
		"after_delete": f"{_events}.material_request_changed",
	},
	"Purchase Receipt": {
		"on_submit": f"{_events}.purchase_receipt_changed",
		"on_cancel": f"{_events}.purchase_receipt_changed",
	},
	"Stock Entry": {
		"on_submit": f"{_events}.stock_entry_changed",
		"on_cancel": f"{_events}.stock_entry_changed",
	},
	# job costs booked to an order (R10): its profitability follows at once
	"Purchase Invoice": {
		"on_submit": f"{_events}.job_costs_changed",
		"on_cancel": f"{_events}.job_costs_changed",
	},
	"Journal Entry": {
		"on_submit": f"{_events}.job_costs_changed",
		"on_cancel": f"{_events}.job_costs_changed",
	},
}

# Money (R7): Journal Entry receipts and advances, reconciliation of Payment Entries, Unreconcile Payment
# (ERPNext rewrites references by SQL there). Invoices and Sales Orders report every change of their
# outstanding / advance through their on_change above.
for _event in ("on_submit", "on_cancel"):
	doc_events["Journal Entry"][_event] = [
		doc_events["Journal Entry"][_event],
		f"{_events}.journal_entry_money_changed",
	]
doc_events["Payment Entry"]["on_update_after_submit"] = f"{_events}.payment_entry_changed"
doc_events["Unreconcile Payment"] = {"on_submit": f"{_events}.unreconcile_payment_submitted"}
doc_events["Sales Invoice"]["before_validate"] = f"{_events}.sales_invoice_before_validate"
# a revaluation of delivered stock (ERPNext's background repost) reaches the orders' cost of goods (R10)
doc_events["Repost Item Valuation"] = {"on_change": f"{_events}.stock_revalued"}

# ERPNext's close / hold / re-open / resume check no permission: on a Sales Order that carries a Customer
# Order they need the right to change the order (order_mgmt.overrides.sales_order)
override_whitelisted_methods = {
	"erpnext.selling.doctype.sales_order.sales_order.update_status": "order_mgmt.overrides.sales_order.update_status",
	"erpnext.selling.doctype.sales_order.sales_order.close_or_unclose_sales_orders": "order_mgmt.overrides.sales_order.close_or_unclose_sales_orders",
}

# Scheduled jobs (R12): the recompute runs when the settings' cron is due (default 1 a.m.)
# ------------------------------------------------------------------------------------------
scheduler_events = {
	"cron": {"*/15 * * * *": ["order_mgmt.tasks.recompute_if_due"]},
	"daily_long": ["order_mgmt.tasks.archive_old_orders"],
}

# The order's workspace and who may plan it (R8, R9, R15): order_mgmt.planning, order_mgmt.permissions
# -----------------------------------------------------------------------------------------------------
doc_events.update(
	{
		"Task": {
			"validate": "order_mgmt.permissions.validate_task",
			"on_update": "order_mgmt.planning.task_changed",
		},
		"Timesheet": {
			"on_submit": "order_mgmt.planning.timesheet_changed",
			"on_cancel": "order_mgmt.planning.timesheet_changed",
		},
	}
)

# Who may do what (R15): one rule (order_mgmt.rules.access) behind every hook, in order_mgmt.permissions
# ----------------------------------------------------------------------------------------------------------
_perm = "order_mgmt.permissions"
has_permission = {
	"Customer Order": f"{_perm}.customer_order_has_permission",
	"Order Information": f"{_perm}.record_has_permission",
	"Order Agreement": f"{_perm}.record_has_permission",
	"Order Meeting": f"{_perm}.record_has_permission",
	"Task": f"{_perm}.task_has_permission",
}
# lists, counts and report views of Task agree with its has_permission (an Order User alone: tasks of orders)
permission_query_conditions = {"Task": f"{_perm}.task_query_conditions"}
# … and so do their counts: Frappe's frappe.client.get_count asks no permission (order_mgmt.overrides.counts)
override_whitelisted_methods["frappe.client.get_count"] = "order_mgmt.overrides.counts.get_count"
doc_events.update(
	{
		# a share would override the hooks' "no"; an assignment says who made it
		"DocShare": {"validate": f"{_perm}.validate_docshare"},
		# attaching to an order or its records, on insert and on every re-pointing or removal, whoever saves
		"File": {"validate": f"{_perm}.validate_attachment", "on_trash": f"{_perm}.validate_attachment"},
		"ToDo": {"validate": f"{_perm}.validate_todo"},
		"Order Information": {"validate": f"{_perm}.validate_record"},
		"Order Agreement": {"validate": f"{_perm}.validate_record"},
	}
)
# rows of the app's tables are saved only through their parent document
for _row_doctype in (
	"Customer Order Item",
	"Order Meeting Attendee",
	"Order Meeting Contact",
	"Order Information File",
	"Sales Taxes and Charges",
	"Task Depends On",
):
	doc_events.setdefault(_row_doctype, {}).update(
		{
			"before_insert": f"{_perm}.refuse_standalone_row",
			"validate": f"{_perm}.refuse_standalone_row",
			"on_trash": f"{_perm}.refuse_standalone_row",
		}
	)
doctype_js = {"Customer Order": "public/js/customer_order_workspace.js"}

# Desk
# ----
doctype_list_js = {}

# Print formats (R13): helpers the Jinja templates call (order_mgmt.printing)
# ---------------------------------------------------------------------------
jinja = {
	"methods": [
		"order_mgmt.printing.order_mgmt_stored",
		"order_mgmt.printing.order_mgmt_addresses",
		"order_mgmt.printing.order_mgmt_invoice_orders",
		"order_mgmt.printing.order_mgmt_payment_state",
		"order_mgmt.printing.order_mgmt_safe_html",
	]
}

# Customer portal (R17): /my-orders and /my-orders/<name> (order_mgmt.portal, order_mgmt/www/my-orders);
# ERPNext's own /orders, /invoices stay as they are
# ------------------------------------------------------------------------------------------------------------
website_route_rules = [{"from_route": "/my-orders/<name>", "to_route": "my-orders/order"}]
# (Portal Settings keeps a standard item only with an existing reference_doctype; the role decides who sees it)
standard_portal_menu_items = [
	{"title": "My Orders", "route": "/my-orders", "reference_doctype": "Customer Order", "role": "Customer"}
]
