// Order Pipeline and Forecast: Open orders by month and status, weighted by each status's win probability.
frappe.query_reports["Order Pipeline and Forecast"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "based_on",
			label: __("Month of"),
			fieldtype: "Select",
			options: ["Delivery Date", "Order Date"].join("\n"),
			default: "Delivery Date",
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: null,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: null,
		},
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
		{
			fieldname: "order_manager",
			label: __("Order Manager"),
			fieldtype: "Link",
			options: "User",
		},
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Quotation", "Waiting for Confirmation", "Confirmed", "Waiting for Production", "In Production", "Ready for Shipment", "Shipped"].join("\n"),
		},
	],
};
