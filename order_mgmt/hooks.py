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

# Document events: which module of order_mgmt.overrides answers which event of which doctype (one module per
# doctype). Every handler only marks what it touched in the transaction's intake (order_mgmt.figures.intake)
# or applies one rule; one flush per transaction recomputes each order once.
# -------------------------------------------------------------------------------------------------------------
doc_events = {
	# every document: a child row never changes its parent, and a row written on its own is judged by the
	# parent it is stored with (R15)
	"*": {
		"before_insert": "order_mgmt.overrides.child_rows.rows_stay_with_their_parent",
		"before_validate": "order_mgmt.overrides.child_rows.rows_stay_with_their_parent",
		"before_update_after_submit": "order_mgmt.overrides.child_rows.rows_stay_with_their_parent",
		"before_cancel": "order_mgmt.overrides.child_rows.rows_stay_with_their_parent",
		"on_trash": "order_mgmt.overrides.child_rows.rows_stay_with_their_parent",
	},
	"Sales Order": {
		"validate": "order_mgmt.overrides.sales_order.validate",
		"before_cancel": "order_mgmt.overrides.sales_order.before_cancel",
		"before_update_after_submit": "order_mgmt.overrides.sales_order.before_update_after_submit",
		"on_trash": "order_mgmt.overrides.sales_order.on_trash",
		"on_submit": "order_mgmt.overrides.sales_order.on_submit",
		"on_cancel": "order_mgmt.overrides.sales_order.on_cancel",
		"on_update_after_submit": "order_mgmt.overrides.sales_order.on_update_after_submit",
		"on_change": "order_mgmt.overrides.sales_order.on_change",
	},
	"Delivery Note": {
		"before_submit": "order_mgmt.overrides.delivery_note.before_submit",
		"on_submit": "order_mgmt.overrides.delivery_note.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.delivery_note.on_submit_or_cancel",
	},
	"Sales Invoice": {
		"before_validate": "order_mgmt.overrides.sales_invoice.before_validate",
		"on_change": "order_mgmt.overrides.sales_invoice.on_change",
	},
	"Payment Entry": {
		"on_submit": "order_mgmt.overrides.payment_entry.on_change_of_references",
		"on_cancel": "order_mgmt.overrides.payment_entry.on_change_of_references",
		# reconciliation rewrites an entry's references after submit
		"on_update_after_submit": "order_mgmt.overrides.payment_entry.on_change_of_references",
	},
	"Journal Entry": {
		"on_submit": "order_mgmt.overrides.journal_entry.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.journal_entry.on_submit_or_cancel",
	},
	"Unreconcile Payment": {"on_submit": "order_mgmt.overrides.unreconcile_payment.on_submit"},
	"Stock Reservation Entry": {
		"before_submit": "order_mgmt.overrides.stock_reservation_entry.before_submit",
		"before_cancel": "order_mgmt.overrides.stock_reservation_entry.before_cancel_or_update",
		"before_update_after_submit": "order_mgmt.overrides.stock_reservation_entry.before_cancel_or_update",
		"on_submit": "order_mgmt.overrides.stock_reservation_entry.on_change_of_reservation",
		"on_cancel": "order_mgmt.overrides.stock_reservation_entry.on_change_of_reservation",
		"on_update_after_submit": "order_mgmt.overrides.stock_reservation_entry.on_change_of_reservation",
	},
	"Work Order": {
		"on_change": "order_mgmt.overrides.work_order.on_change",
		"after_delete": "order_mgmt.overrides.work_order.on_change",
	},
	"Purchase Order": {
		"on_change": "order_mgmt.overrides.purchase_order.on_change",
		"after_delete": "order_mgmt.overrides.purchase_order.on_change",
	},
	# a line taken off a submitted Purchase Order by Update Items (deleted before the rest is saved)
	"Purchase Order Item": {"after_delete": "order_mgmt.overrides.purchase_order.line_removed"},
	"Material Request": {
		"on_change": "order_mgmt.overrides.material_request.on_change",
		"after_delete": "order_mgmt.overrides.material_request.on_change",
	},
	"Purchase Receipt": {
		"on_submit": "order_mgmt.overrides.purchase_receipt.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.purchase_receipt.on_submit_or_cancel",
	},
	"Stock Entry": {
		"on_submit": "order_mgmt.overrides.stock_entry.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.stock_entry.on_submit_or_cancel",
	},
	"Purchase Invoice": {
		"on_submit": "order_mgmt.overrides.purchase_invoice.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.purchase_invoice.on_submit_or_cancel",
	},
	"Stock Reconciliation": {
		"on_submit": "order_mgmt.overrides.stock_reconciliation.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.stock_reconciliation.on_submit_or_cancel",
	},
	"Subcontracting Receipt": {
		"on_submit": "order_mgmt.overrides.subcontracting_receipt.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.subcontracting_receipt.on_submit_or_cancel",
	},
	"Repost Item Valuation": {"on_change": "order_mgmt.overrides.repost_item_valuation.on_change"},
	"Task": {
		"validate": "order_mgmt.overrides.task.validate",
		"on_update": "order_mgmt.overrides.task.on_update",
	},
	"Timesheet": {
		"on_submit": "order_mgmt.overrides.timesheet.on_submit_or_cancel",
		"on_cancel": "order_mgmt.overrides.timesheet.on_submit_or_cancel",
	},
	"DocShare": {"validate": "order_mgmt.overrides.docshare.validate"},
	"ToDo": {"validate": "order_mgmt.overrides.todo.validate"},
	"File": {
		"validate": "order_mgmt.overrides.file.validate",
		"on_trash": "order_mgmt.overrides.file.on_trash",
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
	# the app's own former paths (before the api/ split): REST clients keep working
	"order_mgmt.api.fulfilment.get_availability": "order_mgmt.api.stock.get_availability",
	"order_mgmt.api.fulfilment.reserve": "order_mgmt.api.stock.reserve",
	"order_mgmt.api.fulfilment.release": "order_mgmt.api.stock.release",
	"order_mgmt.api.fulfilment.make_delivery_note": "order_mgmt.api.stock.make_delivery_note",
	"order_mgmt.api.fulfilment.get_shipping_log": "order_mgmt.api.stock.get_shipping_log",
	"order_mgmt.api.fulfilment.make_sales_invoice": "order_mgmt.api.billing.make_sales_invoice",
	"order_mgmt.api.fulfilment.record_payment": "order_mgmt.api.billing.record_payment",
	"order_mgmt.api.fulfilment.customer_debt": "order_mgmt.api.billing.customer_debt",
	"order_mgmt.api.fulfilment.get_sources": "order_mgmt.api.supply.get_sources",
	"order_mgmt.api.fulfilment.make_work_orders": "order_mgmt.api.supply.make_work_orders",
	"order_mgmt.api.fulfilment.make_purchase_order": "order_mgmt.api.supply.make_purchase_order",
	"order_mgmt.api.fulfilment.make_material_request": "order_mgmt.api.supply.make_material_request",
	"order_mgmt.planning.get_workspace": "order_mgmt.api.workspace.get_workspace",
	"order_mgmt.planning.get_methodology_parts": "order_mgmt.api.workspace.get_methodology_parts",
	"order_mgmt.planning.add_tasks_from_methodology": "order_mgmt.api.workspace.add_tasks_from_methodology",
	"order_mgmt.costing.refresh_profitability": "order_mgmt.api.profit.refresh_profitability",
	"order_mgmt.portal.download_pdf": "order_mgmt.api.portal.download_pdf",
}

# Scheduled jobs (R12): the recompute runs when the settings' cron is due (default 1 a.m.)
# ------------------------------------------------------------------------------------------
scheduler_events = {
	"cron": {"*/15 * * * *": ["order_mgmt.figures.runs.recompute_if_due"]},
	"daily_long": ["order_mgmt.figures.runs.archive_old_orders"],
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

# Print formats (R13): helpers the Jinja templates call (order_mgmt.services.printing)
# ---------------------------------------------------------------------------
jinja = {
	"methods": [
		"order_mgmt.services.printing.order_mgmt_stored",
		"order_mgmt.services.printing.order_mgmt_addresses",
		"order_mgmt.services.printing.order_mgmt_invoice_orders",
		"order_mgmt.services.printing.order_mgmt_payment_state",
		"order_mgmt.services.printing.order_mgmt_safe_html",
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
