from frappe.model.document import Document


class CustomerOrderItem(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
