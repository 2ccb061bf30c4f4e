from frappe.model.document import Document


class OrderStatusProbability(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
