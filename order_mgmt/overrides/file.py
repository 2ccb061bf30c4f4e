"""File (R15): attaching to an order or its records — on insert, on every re-pointing and on removal,
whoever saves — needs the right to change that record (`permissions.validate_attachment`)."""

from order_mgmt import permissions


def validate(doc, method=None):
	permissions.validate_attachment(doc)


def on_trash(doc, method=None):
	permissions.validate_attachment(doc)
