frappe.views.calendar["Order Meeting"] = {
	field_map: {
		start: "meeting_from",
		end: "meeting_to",
		id: "name",
		title: "subject",
	},
	filters: [
		{
			fieldtype: "Link",
			fieldname: "customer_order",
			options: "Customer Order",
			label: __("Customer Order"),
		},
	],
};
