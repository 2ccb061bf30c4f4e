"""Small query helpers the engine's modules share (no rules here)."""

import frappe
from pypika.terms import ContainsCriterion, Function, LiteralValue


def in_list(field, values):
	"""`field IN (…)` with the values escaped once into the SQL text: the same as `field.isin(values)`,
	without a query parameter per value (which costs more than the query itself for a batch of hundreds)."""
	values = tuple(values)
	if not values:
		return field.isin([""])  # matches nothing, as an empty IN would
	# one recompute puts the same names in several queries: each list is escaped once
	text = _escaped.get(values)
	if text is None:
		if len(_escaped) >= 16:
			_escaped.clear()
		text = _escaped[values] = "(" + ",".join(frappe.db.escape(v) for v in values) + ")"
	return ContainsCriterion(field, LiteralValue(text))


_escaped: dict[tuple, str] = {}


# --- gather: a fixed number of queries ----------------------------------------------------------------


class Greatest(Function):
	def __init__(self, *args):
		super().__init__("GREATEST", *args)


class Least(Function):
	def __init__(self, *args):
		super().__init__("LEAST", *args)


# --- evaluate: pure rules over the gathered rows ------------------------------------------------------


def in_values(values) -> tuple:
	"""The distinct non-empty values, sorted, for a plain SQL `IN %s` (a tuple that matches nothing when
	empty)."""
	values = tuple(sorted({v for v in values if v}))
	return values or ("",)


def num(value) -> float:
	"""A database number as float (None and empty are 0): frappe.utils.flt without its parsing, for the
	hot loops."""
	return float(value) if value else 0.0
