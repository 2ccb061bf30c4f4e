"""The live orders: the ones the nightly run, the shortage job and the scheduler keep up to date (one
definition, in SQL)."""

from order_mgmt.figures import money
from order_mgmt.rules import pipeline


def open_condition(co):
	"""The orders the nightly run keeps up to date: open ones, and delivered or archived ones whose money
	is not settled (they follow their invoices and payments)."""
	unsettled = co.status.isin([pipeline.DELIVERED, pipeline.ARCHIVED]) & (
		money.settled(co).negate() | (co.invoice_status != "Invoiced")
	)
	return (co.docstatus == 1) & (co.status.isin(sorted(pipeline.OPEN_STATUSES)) | unsettled)
