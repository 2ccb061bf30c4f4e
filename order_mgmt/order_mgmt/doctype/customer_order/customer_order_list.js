// List view and Kanban board of Customer Orders: one indicator colour per pipeline status (R11); the text
// fields a list row or a card shows are escaped by the app (Frappe's Data formatter outputs them raw).
const ORDER_TEXT_FIELDS = ["title", "customer_name", "customer", "order_manager", "deputy", "order_area", "project"];

function order_mgmt_escape_text(value) {
	return frappe.utils.escape_html(value == null ? "" : String(value));
}

function order_mgmt_use_escaping_formatters() {
	for (const fieldname of ORDER_TEXT_FIELDS) {
		const df = frappe.meta.get_docfield("Customer Order", fieldname);
		if (df) df.formatter = order_mgmt_escape_text;
	}
}

frappe.listview_settings["Customer Order"] = {
	formatters: Object.fromEntries(ORDER_TEXT_FIELDS.map((f) => [f, order_mgmt_escape_text])),

	onload() {
		// the Kanban board formats its cards with the docfields' own formatter
		order_mgmt_use_escaping_formatters();
	},

	refresh(listview) {
		// the board lets a user drag only the orders they may change (the server refuses the others)
		if (listview.view_name === "Kanban") order_mgmt_lock_cards(listview);
	},

	// the list view (and the Kanban view, which is one) fetches only these, the list view's columns and
	// the title: the board's card fields (order_mgmt/setup/desk.py CARD_FIELDS) must be among them
	add_fields: [
		"status",
		"docstatus",
		"product_status",
		"payment_status",
		"grand_total",
		"currency",
		"customer_name",
		"delivery_date",
		"order_manager",
	],
	has_indicator_for_draft: true,
	has_indicator_for_cancelled: true,

	get_indicator(doc) {
		const colours = {
			Quotation: "gray",
			"Waiting for Confirmation": "yellow",
			Confirmed: "blue",
			"Waiting for Production": "orange",
			"In Production": "purple",
			"Ready for Shipment": "cyan",
			Shipped: "light-blue",
			Delivered: "green",
			Canceled: "red",
			Archived: "darkgrey",
		};
		const status = doc.status || (doc.docstatus === 2 ? "Canceled" : "Quotation");
		return [__(status), colours[status] || "gray", "status,=," + status];
	},
};

// Cards of orders the user may not change (asked once per refresh: order_mgmt.api.customer_order.changeable)
// cannot be dragged: Sortable's filter skips them.
function order_mgmt_lock_cards(listview) {
	const names = (listview.data || []).map((d) => d.name);
	if (!names.length) return;
	frappe
		.call({ method: "order_mgmt.api.customer_order.changeable", args: { names }, type: "GET" })
		.then(({ message }) => {
			const allowed = new Set(message || []);
			const $result = listview.$result;
			$result.find(".kanban-card-wrapper").each(function () {
				const name = decodeURIComponent($(this).attr("data-name") || "");
				const locked = !allowed.has(name);
				$(this).toggleClass("order-mgmt-locked", locked);
				if (locked) $(this).find(".kanban-card-body").css("cursor", "default");
			});
			$result.find(".kanban-cards").each(function () {
				const sortable = window.Sortable && window.Sortable.get(this);
				if (sortable) sortable.option("filter", ".order-mgmt-locked");
			});
		});
}
