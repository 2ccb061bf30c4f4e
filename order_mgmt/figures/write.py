"""Write: only what changed, in batched UPDATEs."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import frappe
from frappe.utils import now_datetime


def _diff(changes: dict, row, values: dict):
	"""Record the fields whose new value differs from the stored one (numbers to 1e-6, dates by day)."""
	changed = None
	for field, value in values.items():
		old = row.get(field)
		kind = type(value)
		if kind is float or kind is int or type(old) in _NUMBERS:
			same = abs((float(old) if old else 0.0) - (float(value) if value else 0.0)) <= 1e-6
		elif kind is date or type(old) is date:
			same = (str(old) if old else "") == (str(value) if value else "")
		else:
			same = (old or "") == (value or "")
		if not same:
			if changed is None:
				changed = changes[row.name] = {}
			changed[field] = value


_NUMBERS = (float, int, Decimal)


# --- write: batched, only what changed ----------------------------------------------------------------


def write(doctype: str, changes: dict[str, dict], batch_size: int = 1000, touch: bool = True):
	"""The changed values in one UPDATE per batch of rows that changed the same fields: the table joined
	to the new values (a derived table); on the order also `modified` (so that a form opened before the
	change refuses to overwrite it) and `statuses_updated`, unless `touch` is False (figures that are not
	statuses, such as the profitability). An UPDATE … CASE per field would compare every
	row with every branch: quadratic in the batch."""
	if not changes:
		return
	now = now_datetime()
	groups = defaultdict(list)
	for name, diff in changes.items():
		groups[tuple(sorted(diff))].append(name)
	# the order's `modified` guards its form against overwriting; its lines' rows carry no such guard
	touch = touch and doctype == "Customer Order"
	stamp = ", t.`modified` = %s, t.`statuses_updated` = %s" if touch else ""
	for fields, names in groups.items():
		first = "select %s as `name`, " + ", ".join(f"%s as `{f}`" for f in fields)
		other = "select " + ", ".join(["%s"] * (len(fields) + 1))
		sets = ", ".join(f"t.`{f}` = v.`{f}`" for f in fields)
		for start in range(0, len(names), batch_size):
			batch = names[start : start + batch_size]
			rows = " union all ".join([first, *[other] * (len(batch) - 1)])
			values = [v for n in batch for v in (n, *(changes[n][f] for f in fields))]
			if stamp:
				values += [now, now]
			frappe.db.sql(
				f"update `tab{doctype}` t join ({rows}) v on t.name = v.name set {sets}{stamp}",
				values,
			)
	if touch:
		# open forms of the first orders reload (a batch of thousands would flood the browsers)
		for name in list(changes)[:20]:
			frappe.publish_realtime(
				"doc_update",
				{"doctype": doctype, "name": name},
				doctype=doctype,
				docname=name,
				after_commit=True,
			)
