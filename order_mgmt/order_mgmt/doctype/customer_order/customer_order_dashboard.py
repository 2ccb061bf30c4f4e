from frappe import _


def get_data():
	"""Connections of a Customer Order: the ERPNext documents that carry it out and its workspace (R8)."""
	return {
		"fieldname": "customer_order",
		"transactions": [
			{"label": _("Fulfilment"), "items": ["Sales Order"]},
			{"label": _("Tasks"), "items": ["Task"]},
			{"label": _("Meetings"), "items": ["Order Meeting"]},
			{"label": _("Information"), "items": ["Order Information"]},
			{"label": _("Agreements"), "items": ["Order Agreement"]},
		],
	}
