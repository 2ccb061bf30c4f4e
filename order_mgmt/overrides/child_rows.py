"""Every document's child rows stay with their parent (R15): hooked on every doctype ("*" in hooks.py)
before Frappe writes the rows of a save, a submit, a write after submit or a cancel (`savedocs` sends the
whole document with a cancel too). One query per child table that has named rows
(`validation.assert_own_rows`); the app's own documents check it themselves (`RowsFromClients`)."""

from order_mgmt import validation


def refuse_foreign_rows(doc, method=None):
	if isinstance(doc, validation.RowsFromClients):
		return
	validation.assert_own_rows(doc, adopt_unknown=False)
