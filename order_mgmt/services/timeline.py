"""The order's timeline (issue 16): what users changed (Frappe's Versions, without the derived fields) and
the order's business events in its own words (comments, inserted in bulk)."""

import frappe
from frappe import _
from frappe.utils import escape_html, flt, get_absolute_url, now_datetime

from order_mgmt import compat


def derived_fields(meta) -> set[str]:
	"""Fields only the app writes: those at permission level 1 (order_mgmt.permissions)."""
	return {df.fieldname for df in meta.fields if df.permlevel}


def without_derived_fields(data: dict, meta) -> dict | None:
	"""A Version's data without changes of derived fields, of the order and of its lines; None when
	nothing a user changed is left."""
	header = derived_fields(meta)
	data["changed"] = [c for c in data.get("changed") or [] if c[0] not in header]
	rows = []
	for table, idx, name, changes in data.get("row_changed") or []:
		child = derived_fields(frappe.get_meta(meta.get_field(table).options))
		changes = [c for c in changes if c[0] not in child]
		if compat.VERSIONS_RECORD_EMPTY_CHANGES:
			changes = [c for c in changes if c[1] or c[2]]
		if changes:
			rows.append([table, idx, name, changes])
	data["row_changed"] = rows
	if not any(data.get(k) for k in ("changed", "added", "removed", "row_changed")):
		return None
	return data


#: progress figures an event reports; each names the document that moved it last (`_latest_documents`)
PROGRESS = (
	("per_reserved", "Reserved"),
	("per_delivered", "Delivered"),
	("per_invoiced", "Invoiced"),
	("per_paid", "Paid"),
)


def record_changes(before: dict, changes: dict[str, dict], cause=None, recomputed=()):
	"""Collect the business events of a recompute: `before` the orders' stored figures, `changes` the new
	ones, `cause` the document (or the documents) whose change it was. Written when the transaction commits (`flush`): one
	comment per order for all the recomputes of one action — ERPNext moves a Sales Order in several steps
	(its status, then the invoice's outstanding …) and the order tells only the outcome."""
	pending = getattr(frappe.local, "order_mgmt_events", None) or {}
	causes = [] if cause is None else list(cause) if isinstance(cause, list | tuple) else [cause]
	for name in {*changes, *(n for n in recomputed if n in pending)}:
		entry = _entry(name, before.get(name) or {})
		entry["new"].update(changes.get(name) or {})
		# the Sales Order is named by the documents that moved it; a document whose own event finds the
		# order already moved (by the Sales Order's, earlier in the same submit) is its cause all the same
		for doc in causes:
			if doc.doctype != "Sales Order" and (doc.doctype, doc.name) not in entry["causes"]:
				entry["causes"].append((doc.doctype, doc.name))


def note(order: str, text: str):
	"""An event told in words (confirmed → its Sales Order), written with the order's other events."""
	_entry(order, None)["notes"].append(text)


def _entry(order: str, old: dict | None) -> dict:
	pending = getattr(frappe.local, "order_mgmt_events", None)
	if pending is None:
		pending = frappe.local.order_mgmt_events = {}
		frappe.db.before_commit.add(flush)
		frappe.db.after_rollback.add(_discard)
	entry = pending.get(order)
	if entry is None:
		entry = pending[order] = {"old": dict(old or {}), "new": {}, "causes": [], "notes": []}
	elif old and not entry["old"]:
		entry["old"] = dict(old)
	return entry


def _discard():
	frappe.local.order_mgmt_events = None


def flush():
	"""Write the collected events: one comment per order, all in one insert (before the commit)."""
	pending = getattr(frappe.local, "order_mgmt_events", None)
	frappe.local.order_mgmt_events = None
	if not pending:
		return
	# orders rolled back to a savepoint since (a demo order that failed) get nothing
	existing = set(frappe.get_all("Customer Order", filters={"name": ("in", list(pending))}, pluck="name"))
	pending = {k: v for k, v in pending.items() if k in existing}
	sales_orders = {
		name: e["new"].get("sales_order") or e["old"].get("sales_order") for name, e in pending.items()
	}
	latest = _latest_documents(
		{field for e in pending.values() for field, _label in PROGRESS if field in e["new"]},
		[s for s in sales_orders.values() if s],
	)
	events = {}
	for name, entry in pending.items():
		old, new = entry["old"], entry["new"]
		parts = []
		for field, label in PROGRESS:
			if field in new and flt(new[field]) != flt(old.get(field)):
				part = _("{0}: {1}%").format(_(label), f"{flt(new[field], 1):g}")
				doc = latest.get(field, {}).get(sales_orders[name])
				if doc and doc not in entry["causes"]:
					part += f" ({_(doc[0])} {link(*doc)})"
				parts.append(part)
		if "status" in new and new["status"] != old.get("status"):
			parts.append(_("status {0} → {1}").format(_(old.get("status") or ""), _(new["status"])))
		if new.get("sales_order_status") and new["sales_order_status"] != old.get("sales_order_status"):
			parts.append(_("Sales Order {0}").format(_(new["sales_order_status"])))
		text = ", ".join(parts)
		if text and entry["causes"]:
			text = ", ".join(f"{_(d)} {link(d, n)}" for d, n in entry["causes"]) + ": " + text
		text = ". ".join([*entry["notes"], text] if text else entry["notes"])
		if text:
			events[name] = text
	record(events)


def _latest_documents(fields: set[str], sales_orders: list[str]) -> dict[str, dict[str, tuple]]:
	"""{field: {sales order: (doctype, name)}}: the document last submitted or cancelled for each Sales
	Order that moves that figure; one query per figure that changed."""
	out = {}
	if not sales_orders:
		return out
	queries = {
		"per_reserved": """select voucher_no, 'Stock Reservation Entry', name from `tabStock Reservation Entry`
			where voucher_type = 'Sales Order' and voucher_no in %(so)s and docstatus > 0
			order by modified""",
		"per_delivered": """select i.against_sales_order, 'Delivery Note', d.name from `tabDelivery Note` d
			join `tabDelivery Note Item` i on i.parent = d.name
			where i.against_sales_order in %(so)s and d.docstatus > 0 order by d.modified""",
		"per_invoiced": """select i.sales_order, 'Sales Invoice', d.name from `tabSales Invoice` d
			join `tabSales Invoice Item` i on i.parent = d.name
			where i.sales_order in %(so)s and d.docstatus > 0 order by d.modified""",
		# payments, as ERPNext's payment ledger has them: against the Sales Order (advances) or its invoices
		# (ERPNext v16: advances in its advance ledger)
		"per_paid": compat.PAYMENTS_BY_SALES_ORDER,
	}
	for field in fields:
		rows = frappe.db.sql(queries[field], {"so": sales_orders})
		out[field] = {so: (doctype, name) for so, doctype, name in rows}  # the last one wins
	return out


def link(doctype: str, name: str) -> str:
	"""A link to a document's form, relative to the site (the timeline is read on the site itself)."""
	return f'<a href="{get_absolute_url(doctype, name)}">{escape_html(name)}</a>'


def record(events: dict[str, str]):
	"""One Info comment per order (`events`: order → what happened), all inserted in one statement."""
	if not events:
		return
	now = now_datetime()
	user = frappe.session.user
	fields = (
		"name", "creation", "modified", "owner", "modified_by", "comment_type", "reference_doctype",
		"reference_name", "comment_email", "content",
	)  # fmt: skip
	values = [
		(frappe.generate_hash(length=10), now, now, user, user, "Info", "Customer Order", order, user, text)
		for order, text in events.items()
	]
	frappe.db.bulk_insert("Comment", fields, values)
