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
doc_events = {}

# Desk
# ----
doctype_list_js = {}
