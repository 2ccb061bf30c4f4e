"""Order Management Settings, read for the engine and the mails (one accessor: modules never import the
settings doctype's controller)."""

import frappe
from frappe.utils import cint, flt

from order_mgmt.rules import pipeline

SETTINGS = "Order Management Settings"


def get(field: str):
	"""One field of the settings (Frappe's cached single value)."""
	return frappe.db.get_single_value(SETTINGS, field, cache=True)


def get_int(field: str, default: int = 0) -> int:
	return cint(get(field)) or default


def effective_probabilities(rows) -> dict[str, float]:
	"""Win probability per status of a settings table over the defaults."""
	table = {status: flt(p) for status, p in pipeline.DEFAULT_PROBABILITY.items()}
	table.update({r.status: flt(r.probability) for r in rows or ()})
	return table


def get_probabilities() -> dict[str, float]:
	"""Win probability (%) per status: the settings' table over the defaults (cached per request, dropped
	when the settings change: `forget_probabilities`)."""
	table = getattr(frappe.local, "order_mgmt_probabilities", None)
	if table is None:
		rows = frappe.get_all(
			"Order Status Probability",
			filters={"parent": SETTINGS, "parenttype": SETTINGS},
			fields=["status", "probability"],
		)
		table = frappe.local.order_mgmt_probabilities = effective_probabilities(rows)
	return table


def forget_probabilities() -> None:
	frappe.local.order_mgmt_probabilities = None
