// Order Invoicing and Payments: Invoiced, paid and outstanding per order or per customer (the customer's debt).
frappe.query_reports["Order Invoicing and Payments"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Quotation", "Waiting for Confirmation", "Confirmed", "Waiting for Production", "In Production", "Ready for Shipment", "Shipped", "Delivered", "Canceled", "Archived"].join("\n"),
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: ["Order", "Customer"].join("\n"),
			default: "Order",
		},
		{
			fieldname: "only_outstanding",
			label: __("Only with Outstanding"),
			fieldtype: "Check",
		},
	],
};
