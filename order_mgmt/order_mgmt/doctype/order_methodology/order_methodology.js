// A step's Part offers the parts of the methodology.
frappe.ui.form.on("Order Methodology", {
	refresh(frm) {
		order_mgmt_set_part_options(frm);
	},
});

frappe.ui.form.on("Order Methodology Part", {
	part_name(frm) {
		order_mgmt_set_part_options(frm);
	},
	parts_remove(frm) {
		order_mgmt_set_part_options(frm);
	},
});

function order_mgmt_set_part_options(frm) {
	const names = (frm.doc.parts || []).map((p) => p.part_name).filter(Boolean);
	frm.fields_dict.steps.grid.update_docfield_property("part", "options", names.join("\n"));
}
