"""DocShare (R15): a share would override the permission hooks' "no" (`permissions.validate_docshare`)."""

from order_mgmt import permissions


def validate(doc, method=None):
	permissions.validate_docshare(doc)
