app_name = "order_mgmt"
app_title = "Order Mgmt"
app_publisher = "order_mgmt developers"
app_description = "Customer order management for ERPNext v15 and v16"
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

# Document events (R1 to R15): which module answers which event of which doctype; no logic here
# -------------------------------------------------------------------------------------------
doc_events = {
	# every document: a child row never changes its parent, and a row written on its own is judged by the
	# parent it is stored with (R15; order_mgmt.overrides.child_rows)
	"*": {
		event: "order_mgmt.overrides.child_rows.rows_stay_with_their_parent"
		for event in (
			"before_insert",
			"before_validate",
			"before_update_after_submit",
			"before_cancel",
			"on_trash",
		)
	},
	# the order's Sales Order: its link, its rule (order_mgmt.overrides.sales_order), its figures
	"Sales Order": {
		"validate": "order_mgmt.selling.guard_sales_order_link",
		"before_cancel": "order_mgmt.overrides.sales_order.before_cancel",
		"before_update_after_submit": "order_mgmt.overrides.sales_order.before_update_after_submit",
		"on_trash": "order_mgmt.overrides.sales_order.on_trash",
		"on_submit": "order_mgmt.overrides.events.sales_order_stock_written",
		"on_cancel": "order_mgmt.overrides.events.sales_order_cancelled",
		"on_update_after_submit": "order_mgmt.overrides.events.sales_order_updated_after_submit",
		"on_change": "order_mgmt.overrides.events.sales_order_changed",
	},
	# shipment, money and reservation (R5 to R7, R10)
	"Delivery Note": {
		"before_submit": "order_mgmt.overrides.events.delivery_note_before_submit",
		"on_submit": "order_mgmt.overrides.events.delivery_note_changed",
		"on_cancel": "order_mgmt.overrides.events.delivery_note_changed",
	},
	"Sales Invoice": {
		"before_validate": "order_mgmt.overrides.events.sales_invoice_before_validate",
		"on_change": "order_mgmt.overrides.events.sales_invoice_changed",
	},
	"Payment Entry": {
		"on_submit": "order_mgmt.overrides.events.payment_entry_changed",
		"on_cancel": "order_mgmt.overrides.events.payment_entry_changed",
		# reconciliation rewrites an entry's references after submit
		"on_update_after_submit": "order_mgmt.overrides.events.payment_entry_changed",
	},
	"Journal Entry": {
		# job costs booked to an order (R10), receipts and advances (R7)
		"on_submit": [
			"order_mgmt.overrides.events.job_costs_changed",
			"order_mgmt.overrides.events.journal_entry_money_changed",
		],
		"on_cancel": [
			"order_mgmt.overrides.events.job_costs_changed",
			"order_mgmt.overrides.events.journal_entry_money_changed",
		],
	},
	# ERPNext rewrites references by SQL there
	"Unreconcile Payment": {"on_submit": "order_mgmt.overrides.events.unreconcile_payment_submitted"},
	"Stock Reservation Entry": {
		"before_submit": [
			# reserving for an order's Sales Order by hand is a change of the order (R15)
			"order_mgmt.overrides.sales_order.reservation_made_directly",
			"order_mgmt.overrides.events.stock_reservation_before_submit",
		],
		"before_cancel": "order_mgmt.overrides.sales_order.reservation_made_directly",
		"before_update_after_submit": "order_mgmt.overrides.sales_order.reservation_made_directly",
		"on_submit": "order_mgmt.overrides.events.stock_reservation_changed",
		"on_cancel": "order_mgmt.overrides.events.stock_reservation_changed",
		"on_update_after_submit": "order_mgmt.overrides.events.stock_reservation_changed",
	},
	# sources of an order's lines (R4): on_change runs on every save, submit, cancel and status update
	"Work Order": {
		"on_change": "order_mgmt.overrides.events.work_order_changed",
		"after_delete": "order_mgmt.overrides.events.work_order_changed",
	},
	"Purchase Order": {
		"on_change": "order_mgmt.overrides.events.purchase_order_changed",
		"after_delete": "order_mgmt.overrides.events.purchase_order_changed",
	},
	# a line taken off a submitted Purchase Order by Update Items (deleted before the rest is saved)
	"Purchase Order Item": {"after_delete": "order_mgmt.overrides.events.purchase_order_line_removed"},
	"Material Request": {
		"on_change": "order_mgmt.overrides.events.material_request_changed",
		"after_delete": "order_mgmt.overrides.events.material_request_changed",
	},
	"Purchase Receipt": {
		"on_submit": "order_mgmt.overrides.events.purchase_receipt_changed",
		"on_cancel": "order_mgmt.overrides.events.purchase_receipt_changed",
	},
	"Stock Entry": {
		"on_submit": "order_mgmt.overrides.events.stock_entry_changed",
		"on_cancel": "order_mgmt.overrides.events.stock_entry_changed",
	},
	# job costs booked to an order (R10): its profitability follows at once
	"Purchase Invoice": {
		"on_submit": "order_mgmt.overrides.events.job_costs_changed",
		"on_cancel": "order_mgmt.overrides.events.job_costs_changed",
	},
	# a revaluation of delivered stock (ERPNext's background repost) reaches the orders' cost of goods (R10)
	"Repost Item Valuation": {"on_change": "order_mgmt.overrides.events.stock_revalued"},
	# the order's workspace and who may plan it (R8, R9, R15): order_mgmt.planning, order_mgmt.permissions
	"Task": {
		"validate": "order_mgmt.permissions.validate_task",
		"on_update": "order_mgmt.planning.task_changed",
	},
	"Timesheet": {
		"on_submit": "order_mgmt.planning.timesheet_changed",
		"on_cancel": "order_mgmt.planning.timesheet_changed",
	},
	"Order Information": {"validate": "order_mgmt.permissions.validate_record"},
	"Order Agreement": {"validate": "order_mgmt.permissions.validate_record"},
	# a share would override the hooks' "no"; an assignment says who made it
	"DocShare": {"validate": "order_mgmt.permissions.validate_docshare"},
	"ToDo": {"validate": "order_mgmt.permissions.validate_todo"},
	# attaching to an order or its records, on insert and on every re-pointing or removal, whoever saves
	"File": {
		"validate": "order_mgmt.permissions.validate_attachment",
		"on_trash": "order_mgmt.permissions.validate_attachment",
	},
}

# Whitelisted methods of Frappe and ERPNext that check no permission where the app needs one (R15)
# ---------------------------------------------------------------------------------------------------
override_whitelisted_methods = {
	# close / hold / re-open / resume: on a Sales Order that carries an order, the right to change the order
	"erpnext.selling.doctype.sales_order.sales_order.update_status": "order_mgmt.overrides.sales_order.update_status",
	"erpnext.selling.doctype.sales_order.sales_order.close_or_unclose_sales_orders": "order_mgmt.overrides.sales_order.close_or_unclose_sales_orders",
	# open to guests in ERPNext: against an order's Sales Order only its readers and its customer's portal users
	"erpnext.accounts.doctype.payment_request.payment_request.make_payment_request": "order_mgmt.overrides.sales_order.make_payment_request",
	# counts agree with the lists the user may see (order_mgmt.overrides.counts)
	"frappe.client.get_count": "order_mgmt.overrides.counts.get_count",
}

# Scheduled jobs (R12): the recompute runs when the settings' cron is due (default 1 a.m.)
# ------------------------------------------------------------------------------------------
scheduler_events = {
	"cron": {"*/15 * * * *": ["order_mgmt.tasks.recompute_if_due"]},
	"daily_long": ["order_mgmt.tasks.archive_old_orders"],
}

# Who may do what (R15): one rule (order_mgmt.rules.access) behind every hook, in order_mgmt.permissions
# ----------------------------------------------------------------------------------------------------------
has_permission = {
	"Customer Order": "order_mgmt.permissions.customer_order_has_permission",
	"Order Information": "order_mgmt.permissions.record_has_permission",
	"Order Agreement": "order_mgmt.permissions.record_has_permission",
	"Order Meeting": "order_mgmt.permissions.record_has_permission",
	"Task": "order_mgmt.permissions.task_has_permission",
}
# lists, counts and report views of Task agree with its has_permission (an Order User alone: tasks of orders)
permission_query_conditions = {
	"Task": "order_mgmt.permissions.task_query_conditions",
	"Task Depends On": "order_mgmt.permissions.task_dependency_query_conditions",
}

# Desk
# ----
doctype_js = {"Customer Order": "public/js/customer_order_workspace.js"}
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
