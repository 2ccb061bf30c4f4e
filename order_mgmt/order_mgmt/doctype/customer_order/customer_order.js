// Customer Order form: prices come from the server (ERPNext's own calculation), actions from
// order_mgmt.api.customer_order, order_mgmt.api.stock, order_mgmt.api.billing and order_mgmt.api.supply.

const ORDER_API = "order_mgmt.api.customer_order";
// the module of order_mgmt.api each fulfilment action lives in (README, Architecture)
const FULFILMENT_MODULE = {
	get_availability: "stock",
	reserve: "stock",
	release: "stock",
	make_delivery_note: "stock",
	get_shipping_log: "stock",
	make_sales_invoice: "billing",
	record_payment: "billing",
	customer_debt: "billing",
	get_sources: "supply",
	make_work_orders: "supply",
	make_purchase_order: "supply",
	make_material_request: "supply",
};
const fulfilment_method = (method) => `order_mgmt.api.${FULFILMENT_MODULE[method]}.${method}`;

frappe.ui.form.on("Customer Order", {
	setup(frm) {
		frm.set_query("customer", () => ({ filters: { disabled: 0 } }));
		frm.set_query("item_code", "items", () => ({
			filters: { disabled: 0, is_sales_item: 1, has_variants: 0 },
		}));
		frm.set_query("set_warehouse", () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		frm.set_query("warehouse", "items", () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		}));
		frm.set_query("taxes_and_charges", () => ({ filters: { company: frm.doc.company } }));
		frm.set_query("selling_price_list", () => ({ filters: { selling: 1 } }));
		// statuses change by documents made in other forms (Delivery Note, Sales Invoice …); without
		// socket.io nothing tells this form, so an order shown again is read again (Frappe: 120 s)
		frm.refresh_if_stale_for = 2;
		// the form's Submit (and Ctrl+B) confirms through the app's `confirm`, as its REST clients do: the
		// order's Sales Order is then submitted on a transaction that reads what is committed, with the Bins
		// of its items locked before ERPNext rewrites them (Frappe's own submit would do neither)
		frm.savesubmit = (btn, callback, on_error) => order_mgmt_confirm(frm, btn, callback, on_error);
	},

	refresh(frm) {
		frm.trigger("offer_only_allowed");
		frm.trigger("set_status_indicator");
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.trigger("add_draft_buttons");
		}
		if (frm.doc.docstatus === 1) {
			frm.trigger("add_fulfilment_buttons");
			frm.trigger("render_fulfilment");
			frm.trigger("show_progress");
		}
	},

	offer_only_allowed(frm) {
		// a user who may not change this order (not its manager, deputy or an Order Manager) gets no Save,
		// Submit, Cancel, Amend or Delete: the server would refuse each (Frappe's form knows only the roles)
		if (frm.is_new() || !frm.doc.__onload || order_mgmt_may(frm, "plan")) return;
		for (const perm of frm.perm || []) {
			for (const right of ["write", "submit", "cancel", "amend", "delete"]) perm[right] = 0;
		}
		frm.toolbar && frm.toolbar.refresh();
		frm.refresh_fields();
	},

	show_progress(frm) {
		// delivered / invoiced / paid at a glance, as ERPNext's forms show progress in their dashboard; the
		// dashboard lives in the Connections tab, so its progress area is shown above the tabs instead
		const area = frm.dashboard.progress_area.wrapper;
		if (!area.hasClass("order-mgmt-progress")) {
			area.addClass("order-mgmt-progress").insertAfter(frm.layout.message);
		}
		const figures = [
			["per_delivered", __("Delivered"), (n) => __("{0}% delivered", [n])],
			["per_invoiced", __("Invoiced"), (n) => __("{0}% invoiced", [n])],
			["per_paid", __("Paid"), (n) => __("{0}% paid", [n])],
		];
		figures.forEach(([field, title, message]) => {
			if (field === "per_delivered" && frm.doc.nothing_to_ship && !frm.doc.per_delivered) return;
			const percent = Math.min(Math.max(flt(frm.doc[field]), 0), 100);
			const text = message(format_number(percent, null, 0));
			frm.dashboard.add_progress(
				title,
				[
					{
						title: text,
						width: `${percent || 0.5}%`,
						progress_class: percent >= 100 ? "progress-bar-success" : "progress-bar-warning",
					},
				],
				text
			);
		});
	},

	set_status_indicator(frm) {
		if (frm.doc.status) {
			frm.page.set_indicator(__(frm.doc.status), order_mgmt_status_color(frm.doc.status));
		}
	},

	add_draft_buttons(frm) {
		if (!order_mgmt_may(frm, "plan")) return;
		const moves = {
			Quotation: "Waiting for Confirmation",
			"Waiting for Confirmation": "Quotation",
		};
		const target = moves[frm.doc.status];
		if (target) {
			frm.add_custom_button(__(target), () => order_action(frm, "set_status", { status: target }), __("Status"));
		}
	},

	add_fulfilment_buttons(frm) {
		const open = !["Canceled", "Archived"].includes(frm.doc.status);
		const may = (action) => order_mgmt_may(frm, action);
		if (frm.doc.sales_order) {
			frm.add_custom_button(
				__("Sales Order"),
				() => frappe.set_route("Form", "Sales Order", frm.doc.sales_order),
				__("View")
			);
		}
		if (frm.doc.status === "Archived" && frm.doc.outstanding_amount > 0 && may("pay")) {
			// archiving never hides debt: an archived order that owes can still be paid
			frm.add_custom_button(__("Payment"), () => record_payment(frm), __("Create"));
		}
		if (!open) return;
		if (["On Hold", "Closed"].includes(frm.doc.sales_order_status)) {
			frm.dashboard.set_headline_alert(
				__("Sales Order {0} is {1} in ERPNext: reserving, delivering and invoicing wait until it is {2} there.", [
					frappe.utils.escape_html(frm.doc.sales_order),
					__(frm.doc.sales_order_status),
					frm.doc.sales_order_status === "On Hold" ? __("resumed") : __("re-opened"),
				]),
				"orange"
			);
		}
		// only what the server would allow this user (Customer Order.onload: permissions.allowed_actions)
		if (
			may("plan") &&
			(frm.doc.status === "Shipped" ||
				(frm.doc.nothing_to_ship && !["Delivered", "Canceled", "Archived"].includes(frm.doc.status)))
		) {
			frm.add_custom_button(__("Mark Delivered"), () => order_action(frm, "complete"));
		}
		if (may("reserve")) {
			frm.add_custom_button(__("Reserve"), () => fulfilment_action(frm, "reserve"), __("Stock"));
		}
		if (may("release")) {
			frm.add_custom_button(__("Release Reservation"), () => fulfilment_action(frm, "release"), __("Stock"));
		}
		if (may("deliver")) {
			frm.add_custom_button(
				__("Delivery Note"),
				() => open_new_document(frm, "make_delivery_note", "delivery_note", "Delivery Note"),
				__("Create")
			);
		}
		if (may("invoice")) {
			frm.add_custom_button(
				__("Sales Invoice"),
				() => open_new_document(frm, "make_sales_invoice", "sales_invoice", "Sales Invoice"),
				__("Create")
			);
		}
		if (may("pay")) {
			frm.add_custom_button(__("Payment"), () => record_payment(frm), __("Create"));
		}
	},

	render_fulfilment(frm) {
		if (!frm.fields_dict.fulfilment_html) return;
		frappe
			.call({ method: fulfilment_method("get_availability"), args: { name: frm.doc.name } })
			.then(({ message: lines }) => {
				const rows = (lines || [])
					.map(
						(l) => `<tr>
						<td>${l.idx}</td><td>${frappe.utils.escape_html(l.item_code)}</td>
						<td class="text-right">${format_number(l.qty)}</td>
						<td class="text-right">${format_number(l.in_stock)}</td>
						<td class="text-right">${format_number(l.reserved_for_order)}</td>
						<td class="text-right">${format_number(l.reserved_for_others)}</td>
						<td class="text-right">${format_number(l.available_to_sell)}</td>
						<td>${frappe.utils.escape_html(__(l.product_status || ""))}</td></tr>`
					)
					.join("");
				frm.fields_dict.fulfilment_html.$wrapper.html(`
					<table class="table table-bordered table-sm">
					<thead><tr><th>#</th><th>${__("Item")}</th><th>${__("Qty")}</th>
					<th>${__("In Stock")}</th><th>${__("Reserved for this Order")}</th>
					<th>${__("Reserved for Other Orders")}</th><th>${__("Available to Sell")}</th>
					<th>${__("Product Status")}</th></tr></thead><tbody>${rows}</tbody></table>
					<p class="text-muted small">${__(
						"Quantities in stock units. Reserved = held by Stock Reservation Entries (ERPNext's Reserved Stock), not the pending Sales Order quantity."
					)}</p>`);
			});
	},

	customer(frm) {
		price(frm);
	},
	company(frm) {
		price(frm);
	},
	selling_price_list(frm) {
		clear_prices(frm);
		price(frm);
	},
	taxes_and_charges(frm) {
		frm.clear_table("taxes");
		price(frm);
	},
	additional_discount_percentage(frm) {
		price(frm);
	},
	apply_discount_on(frm) {
		price(frm);
	},
	delivery_date(frm) {
		(frm.doc.items || []).forEach((d) => {
			if (!d.delivery_date) frappe.model.set_value(d.doctype, d.name, "delivery_date", frm.doc.delivery_date);
		});
	},
});

frappe.ui.form.on("Customer Order Item", {
	item_code(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		Object.assign(row, { price_list_rate: null, rate: null, discount_percentage: null, uom: null });
		if (!row.delivery_date && frm.doc.delivery_date) row.delivery_date = frm.doc.delivery_date;
		price(frm);
	},
	qty(frm) {
		price(frm);
	},
	uom(frm, cdt, cdn) {
		Object.assign(locals[cdt][cdn], { price_list_rate: null, rate: null });
		price(frm);
	},
	discount_percentage(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		if (row.price_list_rate) {
			row.rate = flt(row.price_list_rate * (1 - flt(row.discount_percentage) / 100), precision("rate", row));
		}
		price(frm);
	},
	rate(frm) {
		price(frm);
	},
	items_remove(frm) {
		price(frm);
	},
});

// --- helpers -----------------------------------------------------------------------------------------

// the order's actions this user may take, as the server judged them when the form loaded
function order_mgmt_may(frm, action) {
	const actions = (frm.doc.__onload || {}).order_mgmt_actions;
	return Boolean(actions && actions[action]);
}

function price(frm) {
	if (frm.doc.docstatus !== 0 || !frm.doc.customer || !(frm.doc.items || []).some((d) => d.item_code)) return;
	clearTimeout(frm._order_mgmt_price_timer);
	frm._order_mgmt_price_timer = setTimeout(() => {
		frm.call({ doc: frm.doc, method: "price", freeze: false }).then(() => frm.refresh_fields());
	}, 300);
}

function clear_prices(frm) {
	(frm.doc.items || []).forEach((d) => Object.assign(d, { price_list_rate: null, rate: null }));
}

function order_mgmt_confirm(frm, btn, callback, on_error) {
	// Frappe's savesubmit (its dialog, its before_submit / on_submit triggers), the submit made by `confirm`
	return new Promise((resolve) => {
		frm.validate_form_action("Submit");
		const failed = () => {
			frm.handle_save_fail(btn, on_error);
			resolve();
		};
		frappe.confirm(
			__("Permanently Submit {0}?", [frm.docname]),
			() => {
				frappe.validated = true;
				frm.script_manager.trigger("before_submit").then(() => {
					if (!frappe.validated) return failed();
					const saved = frm.is_dirty() ? frm.save() : Promise.resolve();
					saved
						.then(() =>
							frappe.call({
								method: `${ORDER_API}.confirm`,
								args: { name: frm.doc.name },
								btn,
								freeze: true,
							})
						)
						.then((r) => {
							if (!r || r.exc) return failed();
							frappe.utils.play_sound("submit");
							callback && callback();
							return frm
								.reload_doc()
								.then(() => frm.script_manager.trigger("on_submit"))
								.then(() => resolve(frm));
						}, failed);
				});
			},
			failed
		);
	});
}

function order_action(frm, method, args = {}) {
	return frappe
		.call({ method: `${ORDER_API}.${method}`, args: { name: frm.doc.name, ...args }, freeze: true })
		.then(() => frm.reload_doc());
}

function fulfilment_action(frm, method, args = {}) {
	return frappe
		.call({ method: fulfilment_method(method), args: { name: frm.doc.name, ...args }, freeze: true })
		.then(() => {
			frappe.show_alert({ message: __("Done"), indicator: "green" });
			frm.reload_doc();
		});
}

function open_new_document(frm, method, key, doctype) {
	frappe
		.call({ method: fulfilment_method(method), args: { name: frm.doc.name }, freeze: true })
		.then(({ message }) => frappe.set_route("Form", doctype, message[key]));
}

function record_payment(frm) {
	frappe.prompt(
		[
			{
				fieldname: "amount",
				fieldtype: "Float",
				label: __("Amount ({0})", [frm.doc.party_account_currency || frm.doc.currency]),
				// what the order owes now; before any invoice, what is left of its total
				default:
					frm.doc.outstanding_amount > 0
						? frm.doc.outstanding_amount
						: frm.doc.invoice_status === "Not invoiced"
						? Math.max((frm.doc.rounded_total || frm.doc.grand_total) - (frm.doc.paid_amount || 0), 0)
						: 0,
				description: __("The server refuses more than the order will owe (advances and credit notes counted)."),
				reqd: 1,
			},
			{ fieldname: "mode_of_payment", fieldtype: "Link", options: "Mode of Payment", label: __("Mode of Payment") },
			{ fieldname: "reference_no", fieldtype: "Data", label: __("Reference No") },
		],
		(values) => fulfilment_action(frm, "record_payment", values),
		__("Record Payment"),
		__("Record")
	);
}

function order_mgmt_status_color(status) {
	return (
		{
			Quotation: "gray",
			"Waiting for Confirmation": "orange",
			Confirmed: "blue",
			"Waiting for Production": "yellow",
			"In Production": "purple",
			"Ready for Shipment": "cyan",
			Shipped: "light-blue",
			Delivered: "green",
			Canceled: "red",
			Archived: "darkgrey",
		}[status] || "gray"
	);
}

// R17: the order's contact (who gets its e-mails) is one of the customer's contacts
frappe.ui.form.on("Customer Order", {
	setup(frm) {
		frm.set_query("contact_person", () => ({
			query: "frappe.contacts.doctype.contact.contact.contact_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
	},
	customer(frm) {
		// the server fills the new customer's primary contact on save
		if (frm.doc.contact_person) frm.set_value("contact_person", null);
	},
});

// --- promise dates (issue 28): each draft line's earliest date that breaks no promise already made ---------

const PROMISE_API = "order_mgmt.api.promise";

frappe.ui.form.on("Customer Order", {
	refresh(frm) {
		// v15's grid shows columns while their widths (with the row number's 1) add up to 11: a draft shows
		// the promise where a confirmed order shows the product status
		const grid = frm.fields_dict.items && frm.fields_dict.items.grid;
		if (grid) {
			const draft = frm.doc.docstatus === 0;
			grid.toggle_display("promise", draft);
			grid.toggle_display("product_status", !draft);
			// the grid keeps the columns of its first render (v16 renders it before this event): drawn
			// again when they are not the ones this order shows
			const shown = (grid.visible_columns || []).map(([df]) => df.fieldname);
			const stale =
				shown.includes("promise") !== draft || shown.includes("product_status") === draft;
			if (shown.length && stale) {
				grid.reset_grid();
			}
		}
		if (frm.doc.docstatus !== 0) {
			grid && grid.wrapper.find(".order-mgmt-promise-note").remove();
			return;
		}
		order_mgmt_promise_formatter(frm);
		if (frm.is_new() || order_mgmt_may(frm, "plan")) {
			frm.add_custom_button(__("Promise Dates"), () => order_mgmt_set_promised_dates(frm));
		}
		order_mgmt_promise(frm);
	},
	company: order_mgmt_promise,
	set_warehouse: order_mgmt_promise,
	delivery_date: order_mgmt_promise,
	validate(frm) {
		// the promises are shown, never saved: the next load asks again
		(frm.doc.items || []).forEach((d) => (d.promise = null));
	},
});

frappe.ui.form.on("Customer Order Item", {
	item_code: order_mgmt_promise,
	qty: order_mgmt_promise,
	uom: order_mgmt_promise,
	warehouse: order_mgmt_promise,
	delivery_date: order_mgmt_promise,
	items_remove: order_mgmt_promise,
});

// the grid shows the promise as an indicator: its colour and words come from the last answer
function order_mgmt_promise_formatter(frm) {
	const grid = frm.fields_dict.items && frm.fields_dict.items.grid;
	if (!grid || grid._order_mgmt_promise) return;
	grid._order_mgmt_promise = true;
	grid.update_docfield_property("promise", "formatter", (value, df, options, doc) => {
		const line = doc && (frm._order_mgmt_promises || {})[doc.name];
		if (!line || !value) return frappe.utils.escape_html(value || "");
		const title = [line.text, line.warning].filter(Boolean).join("\n");
		return `<span class="indicator-pill ${line.indicator} ellipsis order-mgmt-promise"
			title="${frappe.utils.escape_html(title)}">${frappe.utils.escape_html(value)}</span>`;
	});
}

function order_mgmt_promise_lines(frm) {
	return (frm.doc.items || [])
		.filter((d) => d.item_code && flt(d.qty) > 0)
		.map((d) => ({
			name: d.name,
			idx: d.idx,
			item_code: d.item_code,
			qty: d.qty,
			uom: d.uom,
			warehouse: d.warehouse,
			delivery_date: d.delivery_date,
		}));
}

function order_mgmt_ask_promise(frm) {
	const lines = order_mgmt_promise_lines(frm);
	if (!lines.length || !frm.doc.company) return Promise.resolve(null);
	return frappe
		.call({
			method: `${PROMISE_API}.order_promise`,
			type: "POST",
			args: {
				name: frm.is_new() ? null : frm.doc.name,
				lines,
				company: frm.doc.company,
				set_warehouse: frm.doc.set_warehouse,
				delivery_date: frm.doc.delivery_date,
			},
			freeze: false,
		})
		.then(({ message }) => message);
}

// one call for all lines, debounced as the live pricing is
function order_mgmt_promise(frm) {
	if (frm.doc.docstatus !== 0) return;
	clearTimeout(frm._order_mgmt_promise_timer);
	frm._order_mgmt_promise_timer = setTimeout(() => {
		order_mgmt_ask_promise(frm).then((answer) => answer && order_mgmt_show_promise(frm, answer));
	}, 400);
}

function order_mgmt_show_promise(frm, answer) {
	frm._order_mgmt_promise_answer = answer;
	frm._order_mgmt_promises = {};
	(answer.lines || []).forEach((line) => {
		frm._order_mgmt_promises[line.key] = line;
		const row = (frm.doc.items || []).find((d) => d.name === line.key);
		if (!row) return;
		// shown, not saved: the field is the app's (read only), the server keeps nothing a client sends
		row.promise = line.promise_date
			? order_mgmt_short_date(line.promise_date)
			: line.kind === "Not needed"
			? __("Not needed")
			: __("Cannot");
	});
	const grid = frm.fields_dict.items.grid;
	grid.refresh();
	// what a promise counts, under the grid (other quotations take nothing)
	let note = grid.wrapper.find(".order-mgmt-promise-note");
	if (!note.length) note = $('<p class="text-muted small order-mgmt-promise-note"></p>').appendTo(grid.wrapper);
	note.text(answer.note || "");
}

// "7 Dec" (this year) or "7 Dec 27": the grid's column is narrow
function order_mgmt_short_date(date) {
	const day = moment(date);
	return day.format(day.year() === moment().year() ? "D MMM" : "D MMM YY");
}

// Promise Dates: each line's delivery date its promise, the order's promised date the latest
function order_mgmt_set_promised_dates(frm) {
	clearTimeout(frm._order_mgmt_promise_timer);
	order_mgmt_ask_promise(frm).then((answer) => {
		if (!answer) return;
		const set = [];
		(answer.lines || []).forEach((line) => {
			const row = (frm.doc.items || []).find((d) => d.name === line.key);
			if (row && line.promise_date && row.delivery_date !== line.promise_date) {
				set.push(frappe.model.set_value(row.doctype, row.name, "delivery_date", line.promise_date));
			}
		});
		if (answer.promise_date && frm.doc.delivery_date !== answer.promise_date) {
			set.push(frm.set_value("delivery_date", answer.promise_date));
		}
		Promise.all(set).then(() => {
			const cannot = (answer.lines || []).filter((l) => l.kind === "Cannot").map((l) => l.idx);
			frappe.show_alert({
				message: cannot.length
					? __("Delivery dates set to the promises; rows {0} cannot be promised.", [cannot.join(", ")])
					: __("Delivery dates set to the promises."),
				indicator: cannot.length ? "orange" : "green",
			});
			order_mgmt_promise(frm);
		});
	});
}
