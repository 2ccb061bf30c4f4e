from frappe.model.document import Document


class OrderArea(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
