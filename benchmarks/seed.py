"""Seeding the benchmark site: prototypes through the app's normal flows, then bulk copies of them.

1. **Prototypes.** A few dozen orders of five lines each, made exactly as a user makes them: the demo's
   masters (customers, items with BOMs, suppliers, a tax template), then for each kind of order the app's
   actions — confirm (→ ERPNext Sales Order), reserve (Stock Reservation Entries), work orders, purchase
   orders, delivery notes, invoices, payments, complete, cancel.
2. **Copies.** Each prototype is copied with all its documents — the order and its lines, the Sales Order,
   reservations, work orders and their stock entries, purchase orders, delivery notes, invoices, payment
   entries, and their stock, general and payment ledger entries — by one `INSERT … SELECT` per table and
   prototype over MariaDB's sequence table, every name of the prototype's documents and rows suffixed
   with `-x<n>` wherever it appears. That is the bulk path.
3. **Check.** A sample of copies is recomputed through the app's normal path (`gather.gather` +
   `evaluate`), among the whole dataset: the statuses, quantities, percentages and amounts it computes
   must be the prototype's, which the normal flows made. `check_sample` says how many matched.
"""

import json
import os
import random
import sys
import time

import frappe
from frappe.utils import add_days, flt, getdate, nowdate

from order_mgmt.figures import engine, gather
from order_mgmt.rules import pipeline
from order_mgmt.setup import demo, demo_masters

#: order kinds with their share of the dataset (percent) — a realistic mix, open orders dominating
KINDS = [
	("quotation", 10),
	("waiting_for_confirmation", 5),
	("confirmed", 10),
	("reserved", 15),
	("late", 8),
	("purchasing", 8),
	("waiting_for_production", 10),
	("in_production", 5),
	("part_shipped", 10),
	("shipped", 9),
	("delivered", 7),
	("canceled", 3),
]
PROTOTYPES_PER_KIND = 2
LINES_PER_ORDER = 5
#: stock received once so that the copies' demand is covered as the prototypes' was
BENCH_STOCK = 2_000_000

TRADE = ["DEMO-VALVE", "DEMO-FILTER", "DEMO-GAUGE"]
SERVICES = ["DEMO-INSTALL", "DEMO-TRAINING"]


def progress(label: str, done: int, total: int, started: float):
	width = 30
	filled = int(width * done / total) if total else width
	rate = done / (time.monotonic() - started + 1e-9)
	sys.stdout.write(
		f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}/s)"
	)
	if done >= total:
		sys.stdout.write("\n")
	sys.stdout.flush()


# --- 1. prototypes through the normal flows -------------------------------------------------------------


def make_prototypes(state_file: str, seed: int = 11) -> dict[str, list[str]]:
	"""{kind: [order names]}, each committed. What is made is recorded in `state_file`, so an interrupted
	seeding goes on where it stopped instead of making the same prototypes twice."""
	frappe.flags.mute_emails = True
	rng = random.Random(seed)
	ctx = demo_masters.setup_masters(lambda *a, **k: None)
	_bench_stock(ctx)
	frappe.db.commit()
	out = json.load(open(state_file)) if os.path.exists(state_file) else {}
	started = time.monotonic()
	total = len(KINDS) * PROTOTYPES_PER_KIND
	for kind, _share in KINDS:
		out.setdefault(kind, [])
		while len(out[kind]) < PROTOTYPES_PER_KIND:
			out[kind].append(PROTOTYPE[kind](ctx, rng))
			frappe.db.commit()
			json.dump(out, open(state_file, "w"))
			progress("prototypes (normal flows)", sum(map(len, out.values())), total, started)
	return out


def _bench_stock(ctx):
	"""Plenty of every stock item (the demo's Material Receipt)."""
	codes = [c for c, (_n, kind, *_r) in demo_masters.ITEMS.items() if kind in ("raw", "trade")]
	demo_masters.receive_stock(ctx, dict.fromkeys(codes, BENCH_STOCK), below=BENCH_STOCK / 2)


def _lines(rng, codes):
	"""Even quantities: the part-shipped orders deliver and invoice half of each line (whole numbers)."""
	return [(code, 2 * rng.randint(1, 4) if code in TRADE else 2) for code in codes]


def _trade(rng):
	return _lines(rng, [*TRADE, *SERVICES])


def _order(ctx, rng, lines, **kw):
	return demo.new_order(ctx, rng, lines, **kw)


def p_quotation(ctx, rng):
	return _order(ctx, rng, _trade(rng), order_days_ago=rng.randint(0, 20), delivery_in=rng.randint(20, 90))


def p_waiting(ctx, rng):
	return _order(
		ctx, rng, _trade(rng), status=pipeline.WAITING_FOR_CONFIRMATION, delivery_in=rng.randint(20, 90)
	)


def p_confirmed(ctx, rng):
	name = _order(ctx, rng, _trade(rng), delivery_in=rng.randint(10, 60))
	demo.confirm(name)
	return name


def p_reserved(ctx, rng):
	from order_mgmt.api import stock as stock_api

	name = p_confirmed(ctx, rng)
	stock_api.reserve(name)
	return name


def p_late(ctx, rng):
	from order_mgmt.api import stock as stock_api

	name = _order(ctx, rng, _trade(rng), order_days_ago=rng.randint(30, 60), delivery_in=-rng.randint(2, 12))
	demo.confirm(name)
	line = frappe.get_all(
		"Customer Order Item", filters={"parent": name, "item_code": "DEMO-GAUGE"}, pluck="name"
	)[0]
	stock_api.reserve(name, [{"line": line, "qty": 1}])
	return name


def p_purchasing(ctx, rng):
	from order_mgmt.api import supply as supply_api

	name = p_confirmed(ctx, rng)
	lines = frappe.get_all(
		"Customer Order Item", filters={"parent": name, "item_code": ("in", TRADE)}, fields=["name", "qty"]
	)
	supply_api.make_purchase_order(
		name, supplier=ctx.suppliers[2], items=[{"line": d.name, "qty": d.qty} for d in lines], submit=1
	)
	return name


def _production(ctx, rng, start):
	lines = _lines(rng, ["DEMO-PUMP", "DEMO-MIXER", "DEMO-VALVE", "DEMO-GAUGE", "DEMO-INSTALL"])
	lines[0] = ("DEMO-PUMP", rng.randint(1, 3))
	lines[1] = ("DEMO-MIXER", rng.randint(1, 2))
	name = _order(ctx, rng, lines, area=ctx.areas[0], delivery_in=rng.randint(15, 50))
	demo.confirm(name)
	demo._work_orders(name, ctx, start=start)
	return name


def p_waiting_for_production(ctx, rng):
	return _production(ctx, rng, start=False)


def p_in_production(ctx, rng):
	return _production(ctx, rng, start=True)


def p_part_shipped(ctx, rng):
	from order_mgmt.api import billing as billing_api
	from order_mgmt.api import stock as stock_api

	name = p_reserved(ctx, rng)
	lines = frappe.get_all(
		"Customer Order Item", filters={"parent": name, "item_code": ("in", TRADE)}, fields=["name", "qty"]
	)
	stock_api.make_delivery_note(name, [{"line": d.name, "qty": d.qty / 2} for d in lines], submit=1)
	billing_api.make_sales_invoice(name, percent=50, submit=1)
	total = flt(frappe.db.get_value("Customer Order", name, "grand_total"))
	billing_api.record_payment(name, amount=flt(total / 4, 2))
	return name


def _shipped(ctx, rng, pay):
	from order_mgmt.api import billing as billing_api
	from order_mgmt.api import stock as stock_api

	name = p_reserved(ctx, rng)
	stock_api.make_delivery_note(name, submit=1)
	billing_api.make_sales_invoice(name, submit=1)
	if pay:
		order = frappe.db.get_value("Customer Order", name, ["rounded_total", "grand_total"], as_dict=True)
		billing_api.record_payment(name, amount=flt((flt(order.rounded_total) or order.grand_total) * pay, 2))
	return name


def p_shipped(ctx, rng):
	return _shipped(ctx, rng, pay=rng.choice([0, 0.5]))


def p_delivered(ctx, rng):
	from order_mgmt.api import customer_order

	name = _shipped(ctx, rng, pay=1.0)
	customer_order.complete(name)
	return name


def p_canceled(ctx, rng):
	from order_mgmt.api import customer_order

	name = p_reserved(ctx, rng)
	customer_order.cancel(name)
	return name


PROTOTYPE = {
	"quotation": p_quotation,
	"waiting_for_confirmation": p_waiting,
	"confirmed": p_confirmed,
	"reserved": p_reserved,
	"late": p_late,
	"purchasing": p_purchasing,
	"waiting_for_production": p_waiting_for_production,
	"in_production": p_in_production,
	"part_shipped": p_part_shipped,
	"shipped": p_shipped,
	"delivered": p_delivered,
	"canceled": p_canceled,
}


# --- 2. the bundle of documents behind one order -----------------------------------------------------------


def _names(doctype, field, values, extra=None):
	values = [v for v in set(values) if v]
	if not values:
		return []
	filters = {field: ("in", values), **(extra or {})}
	return frappe.get_all(doctype, filters=filters, pluck="name", order_by=None)


def _parents(child, field, values, extra=None):
	values = [v for v in set(values) if v]
	if not values:
		return []
	return list(
		set(
			frappe.get_all(
				child, filters={field: ("in", values), **(extra or {})}, pluck="parent", order_by=None
			)
		)
	)


def bundle(order: str) -> dict[str, list[str]]:
	"""{doctype: [document names]} of everything behind one order (parents; children and ledgers follow)."""
	so = frappe.db.get_value("Customer Order", order, "sales_order")
	docs = {"Customer Order": [order]}
	if not so:
		return docs
	docs["Sales Order"] = [so]
	docs["Stock Reservation Entry"] = _names("Stock Reservation Entry", "voucher_no", [so])
	docs["Work Order"] = _names("Work Order", "sales_order", [so])
	docs["Stock Entry"] = _names("Stock Entry", "work_order", docs["Work Order"])
	docs["Purchase Order"] = _parents("Purchase Order Item", "sales_order", [so])
	docs["Material Request"] = _parents("Material Request Item", "sales_order", [so])
	docs["Delivery Note"] = _parents("Delivery Note Item", "against_sales_order", [so])
	docs["Sales Invoice"] = _parents("Sales Invoice Item", "sales_order", [so])
	docs["Payment Entry"] = _parents(
		"Payment Entry Reference", "reference_name", [so, *docs["Sales Invoice"]]
	)
	return {k: v for k, v in docs.items() if v}


LEDGERS = ("Stock Ledger Entry", "GL Entry", "Payment Ledger Entry")


def bundle_rows(docs: dict[str, list[str]]) -> dict[str, list[str]]:
	"""{table doctype: [row names]}: the documents, their child rows and their ledger entries."""
	rows = {}
	vouchers = []
	for doctype, names in docs.items():
		rows.setdefault(doctype, []).extend(names)
		vouchers.extend(names)
		for df in frappe.get_meta(doctype).get_table_fields():
			child = frappe.get_all(
				df.options,
				filters={"parent": ("in", names), "parenttype": doctype, "parentfield": df.fieldname},
				pluck="name",
				order_by=None,
			)
			if child:
				rows.setdefault(df.options, []).extend(child)
	for ledger in LEDGERS:
		entries = _names(ledger, "voucher_no", vouchers)
		if entries:
			rows[ledger] = entries
	return rows


# --- 3. bulk copies ------------------------------------------------------------------------------------


def _string_columns(doctype) -> list[str]:
	table = f"tab{doctype}"
	return [
		r[0]
		for r in frappe.db.sql(
			"""select column_name from information_schema.columns
			where table_schema = database() and table_name = %s
			and data_type in ('varchar', 'char', 'text', 'mediumtext', 'longtext', 'smalltext')""",
			table,
		)
	]


def _all_columns(doctype) -> list[str]:
	return [
		r[0]
		for r in frappe.db.sql(
			"""select column_name from information_schema.columns
			where table_schema = database() and table_name = %s order by ordinal_position""",
			f"tab{doctype}",
		)
	]


def copy_prototype(order: str, copies: int, first: int = 1) -> int:
	"""`copies` copies (numbered from `first`) of one order with all its documents. Returns rows written."""
	rows = bundle_rows(bundle(order))
	every_name = sorted({n for names in rows.values() for n in names})
	written = 0
	for doctype, names in rows.items():
		strings = set(_string_columns(doctype))
		# the columns that hold a name of the bundle in some row: those are renamed in the copies
		mapped = []
		for col in strings:
			hit = frappe.db.sql(
				f"select 1 from `tab{doctype}` where name in %(names)s and `{col}` in %(every)s limit 1",
				{"names": names, "every": every_name},
			)
			if hit:
				mapped.append(col)
		columns = _all_columns(doctype)
		exprs = []
		for col in columns:
			if col in mapped:
				exprs.append(f"if(t.`{col}` in %(every)s, concat(t.`{col}`, '-x', s.seq), t.`{col}`)")
			else:
				exprs.append(f"t.`{col}`")
		cols = ", ".join(f"`{c}`" for c in columns)
		last = first + copies - 1
		frappe.db.sql(
			f"""insert into `tab{doctype}` ({cols})
			select {", ".join(exprs)} from `tab{doctype}` t join seq_{first}_to_{last} s
			where t.name in %(names)s""",
			{"names": names, "every": every_name},
		)
		written += len(names) * copies
	return written


def copy_all(prototypes: dict[str, list[str]], orders: int) -> dict:
	"""Copies of the prototypes up to `orders` orders in all, in the KINDS mix. Returns counts."""
	plan = []
	for kind, share in KINDS:
		names = prototypes[kind]
		want = max(round(orders * share / 100) - len(names), 0)
		for i, name in enumerate(names):
			plan.append((name, want // len(names) + (1 if i < want % len(names) else 0)))
	total = sum(n for _p, n in plan)
	started = time.monotonic()
	done = rows = 0
	chunk = 500
	for name, copies in plan:
		# an interrupted seeding goes on after the copies it made (each chunk is committed whole)
		first = frappe.db.count("Customer Order", {"name": ("like", f"{name}-x%")}) + 1
		done += first - 1
		while first <= copies:
			n = min(chunk, copies - first + 1)
			rows += copy_prototype(name, n, first)
			frappe.db.commit()
			first += n
			done += n
			progress("copies (bulk path)", done, total, started)
	return {"copies": total, "rows": rows, "seconds": time.monotonic() - started}


# --- 4. the check: copies recompute to what the normal flows made ---------------------------------------

#: what a copy must compute as its prototype did: every status, quantity and amount the app writes
#: (the probability follows the status)
COMPARED_HEADER = tuple(f for f in engine.HEADER_FIELDS if f != "probability")
COMPARED_LINE = engine.LINE_FIELDS


def _snapshot(order: str) -> dict:
	head = frappe.db.get_value("Customer Order", order, COMPARED_HEADER, as_dict=True)
	lines = frappe.get_all(
		"Customer Order Item", filters={"parent": order}, fields=["idx", *COMPARED_LINE], order_by="idx"
	)
	return {"header": dict(head), "lines": [dict(d) for d in lines]}


def _normalise(value, suffix=""):
	if isinstance(value, float):
		return round(value, 6)
	if isinstance(value, str) and suffix:
		return value.replace(suffix, "")
	if hasattr(value, "isoformat"):
		return value.isoformat()
	return value


def check_sample(prototypes: dict[str, list[str]], per_prototype: int = 2) -> dict:
	"""Recompute a sample of copies through the normal path (without writing) and compare what it computes
	with the prototype the normal flows made."""
	checked = matched = 0
	mismatches = []
	for names in prototypes.values():
		for proto in names:
			if frappe.db.get_value("Customer Order", proto, "docstatus") != 1:
				continue
			expected = _snapshot(proto)
			copies = frappe.get_all(
				"Customer Order", filters={"name": ("like", f"{proto}-x%")}, pluck="name", limit=per_prototype
			)
			for copy in copies:
				suffix = copy[len(proto) :]
				header_changes, line_changes = engine.evaluate(gather.gather([copy]), getdate(nowdate()))
				got = _snapshot(copy)
				for field, value in header_changes.get(copy, {}).items():
					if field in got["header"]:
						got["header"][field] = value
				line_names = frappe.get_all(
					"Customer Order Item", filters={"parent": copy}, fields=["name", "idx"], order_by="idx"
				)
				for row, line in zip(got["lines"], line_names, strict=True):
					for field, value in line_changes.get(line.name, {}).items():
						row[field] = value
				same = all(
					_normalise(expected["header"][f]) == _normalise(got["header"][f]) for f in COMPARED_HEADER
				) and all(
					_normalise(e[f]) == _normalise(g[f], suffix)
					for e, g in zip(expected["lines"], got["lines"], strict=True)
					for f in COMPARED_LINE
				)
				checked += 1
				matched += same
				if not same:
					mismatches.append((proto, copy, expected, got))
	return {"checked": checked, "matched": matched, "mismatches": mismatches[:3]}


def open_counts() -> dict:
	co = frappe.qb.DocType("Customer Order")
	coi = frappe.qb.DocType("Customer Order Item")
	from frappe.query_builder.functions import Count

	by_status = dict(frappe.qb.from_(co).select(co.status, Count("*")).groupby(co.status).run())
	lines = frappe.qb.from_(coi).select(Count("*")).where(coi.parenttype == "Customer Order").run()[0][0]
	return {"orders": sum(by_status.values()), "lines": lines, "by_status": by_status}


def today_offset(days: int):
	return add_days(nowdate(), days)
