"""ToDo (R15): an assignment of an order or what hangs on it says truthfully who made it
(`permissions.validate_todo`)."""

from order_mgmt import permissions


def validate(doc, method=None):
	permissions.validate_todo(doc)
