import frappe

from order_mgmt.permissions import GUARDED_DOCTYPES


def execute():
	"""Shares made before the row rules (R15) that give a right the rules deny are taken back: a share
	would override them."""
	shares = frappe.get_all(
		"DocShare",
		filters={"share_doctype": ("in", GUARDED_DOCTYPES)},
		or_filters={"write": 1, "submit": 1, "share": 1},
		fields=["name", "share_doctype", "share_name", "user", "everyone", "write", "submit", "share"],
	)
	for s in shares:
		if not frappe.db.exists(s.share_doctype, s.share_name):
			continue
		doc = frappe.get_doc(s.share_doctype, s.share_name)
		denied = [
			right
			for right in ("write", "submit", "share")
			if s.get(right)
			and (
				s.everyone
				or not frappe.has_permission(
					s.share_doctype, right, doc, user=s.user, ignore_share_permissions=True
				)
			)
		]
		if denied:
			frappe.db.set_value("DocShare", s.name, dict.fromkeys(denied, 0))
