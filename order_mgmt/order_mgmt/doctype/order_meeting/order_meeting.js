frappe.ui.form.on("Order Meeting", {
	meeting_from(frm) {
		// a new meeting lasts an hour unless told otherwise
		if (frm.doc.meeting_from && !frm.doc.meeting_to) {
			frm.set_value(
				"meeting_to",
				moment(frm.doc.meeting_from).add(1, "hours").format("YYYY-MM-DD HH:mm:ss")
			);
		}
	},
});
