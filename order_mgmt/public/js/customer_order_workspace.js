// The order's workspace (R8, R9): an overview of its tasks, meetings, information and agreements in the
// "Workspace" tab, and "Add Tasks from Methodology". Data and permission checks: order_mgmt.services.planning.

frappe.ui.form.on("Customer Order", {
	refresh(frm) {
		if (frm.is_new()) {
			frm.get_field("workspace_html").$wrapper.empty();
			return;
		}
		order_mgmt_workspace.load(frm);
	},
});

const order_mgmt_workspace = {
	load(frm) {
		frappe.call({
			method: "order_mgmt.api.workspace.get_workspace",
			args: { order: frm.doc.name },
			callback: (r) => {
				if (!r.message || r.message.order !== frm.doc.name) return;
				const data = r.message;
				this.render(frm, data);
				this.add_buttons(frm, data);
			},
		});
	},

	add_buttons(frm, data) {
		if (!data.can_plan) return;
		const group = __("Workspace");
		if (data.methodology) {
			frm.add_custom_button(__("Add Tasks from Methodology"), () => this.add_tasks(frm), group);
		}
		frm.add_custom_button(__("Task"), () => this.new_doc(frm, "Task"), group);
		frm.add_custom_button(__("Meeting"), () => this.new_doc(frm, "Order Meeting"), group);
		frm.add_custom_button(__("Information"), () => this.new_doc(frm, "Order Information"), group);
		frm.add_custom_button(__("Agreement"), () => this.new_doc(frm, "Order Agreement"), group);
	},

	new_doc(frm, doctype) {
		frappe.new_doc(doctype, { customer_order: frm.doc.name });
	},

	add_tasks(frm) {
		frappe.call({
			method: "order_mgmt.api.workspace.get_methodology_parts",
			args: { order: frm.doc.name },
			callback: (r) => {
				const info = r.message || {};
				const fields = [
					{
						fieldtype: "HTML",
						options: `<p>${__(
							"Tasks of methodology {0} are added with dates from the order's implementation period. Tasks the order already has are not added again.",
							[`<b>${frappe.utils.escape_html(info.methodology || "")}</b>`]
						)}</p>`,
					},
				];
				(info.optional_parts || []).forEach((part, i) => {
					fields.push({ fieldtype: "Check", fieldname: `part_${i}`, label: frappe.utils.escape_html(part) });
				});
				if (!(info.optional_parts || []).length) {
					fields.push({ fieldtype: "HTML", options: `<p>${__("The methodology has no optional parts.")}</p>` });
				}
				const dialog = new frappe.ui.Dialog({
					title: __("Add Tasks from Methodology"),
					fields: fields,
					primary_action_label: __("Add Tasks"),
					primary_action: (values) => {
						const chosen = (info.optional_parts || []).filter((part, i) => values[`part_${i}`]);
						frappe.call({
							method: "order_mgmt.api.workspace.add_tasks_from_methodology",
							args: { order: frm.doc.name, optional_parts: chosen, methodology: info.methodology },
							freeze: true,
							callback: (res) => {
								dialog.hide();
								const created = (res.message && res.message.created) || [];
								frappe.show_alert({
									message: created.length
										? __("{0} tasks added", [created.length])
										: __("Nothing to add: the order has all these tasks already"),
									indicator: created.length ? "green" : "blue",
								});
								frm.reload_doc();
							},
						});
					},
				});
				dialog.show();
			},
		});
	},

	render(frm, data) {
		const esc = (v) => frappe.utils.escape_html(v == null ? "" : String(v));
		const link = (doctype, name, label) =>
			`<a href="${frappe.utils.get_form_link(doctype, name)}">${esc(label || name)}</a>`;
		// dates only (ERPNext v16 plans tasks with a time: Datetime fields)
		const date = (v) => (v ? frappe.datetime.str_to_user(v, false, true) : "");
		const section = (title, doctype, rows, empty) => `
			<div class="order-workspace-section" style="margin-bottom: var(--margin-lg)">
				<div class="flex justify-between align-center" style="margin-bottom: var(--margin-sm)">
					<h5 style="margin: 0">${esc(title)} <span class="text-muted">(${rows.length})</span></h5>
					<a class="text-muted small" href="${frappe.router.make_url([
						frappe.router.slug(doctype),
					])}?customer_order=${encodeURIComponent(frm.doc.name)}">${__("View all")}</a>
				</div>
				${
					rows.length
						? `<table class="table table-sm table-bordered" style="margin: 0"><tbody>${rows.join("")}</tbody></table>`
						: `<div class="text-muted small">${esc(empty)}</div>`
				}
			</div>`;

		const tasks = data.tasks.map(
			(t) => `<tr>
				<td>${link("Task", t.name, t.subject)}</td>
				<td>${esc(__(t.status))}</td>
				<td>${date(t.exp_start_date)} – ${date(t.exp_end_date)}</td>
				<td>${esc((t.assigned_names || []).join(", "))}</td>
				<td class="text-right">${flt(t.progress)}%</td>
			</tr>`
		);
		const meetings = data.meetings.map(
			(m) => `<tr>
				<td>${link("Order Meeting", m.name, m.subject)}</td>
				<td>${esc(frappe.datetime.str_to_user(m.meeting_from))}</td>
				<td>${esc(__(m.status))}</td>
			</tr>`
		);
		const information = data.information.map(
			(i) => `<tr>
				<td>${link("Order Information", i.name, i.title)}</td>
				<td>${i.files
					.map((f) =>
						/^(\/files\/|\/private\/files\/|https?:\/\/)/i.test(f.file_url || "")
							? `<a href="${esc(encodeURI(f.file_url))}" target="_blank" rel="noopener noreferrer">${esc(f.file_name)}</a>`
							: esc(f.file_name)
					)
					.join(", ")}</td>
			</tr>`
		);
		const agreements = data.agreements.map(
			(a) => `<tr>
				<td>${link("Order Agreement", a.name, a.title)}</td>
				<td>${esc(__(a.kind))}</td>
				<td>${date(a.agreement_date)}</td>
			</tr>`
		);
		frm.get_field("workspace_html").$wrapper.html(`
			<div class="order-workspace">
				${section(__("Tasks"), "Task", tasks, __("No tasks yet."))}
				${section(__("Meetings"), "Order Meeting", meetings, __("No meetings yet."))}
				${section(__("Information"), "Order Information", information, __("No information yet."))}
				${section(__("Agreements and Decisions"), "Order Agreement", agreements, __("No agreements yet."))}
			</div>`);
	},
};
