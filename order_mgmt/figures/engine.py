"""The one recompute path: every figure the app derives for an order (statuses, quantities, money) from
its ERPNext documents. (The actions users call are in `order_mgmt.api`.)

`recompute(order_names)` gathers everything with a constant number of queries (whatever the number of
orders and lines), applies the pure rules of `order_mgmt.rules`, and writes only what changed, in
batched UPDATEs. Every document event and the scheduled job end here.
"""

from collections import defaultdict
from datetime import date

import frappe
from frappe.utils import getdate

from order_mgmt.figures.gather import HEADER_FIELDS, LINE_FIELDS, gather
from order_mgmt.figures.sources import describe_sources
from order_mgmt.figures.write import _diff, write
from order_mgmt.rules import billing, pipeline, product, sources
from order_mgmt.services import notifications, timeline
from order_mgmt.utils import num


def recompute_for_sales_orders(sales_orders, cause=None) -> list[str]:
	"""Recompute the Customer Orders of these Sales Orders (one query to find them). `cause`: the document
	whose change it is, named in the orders' timelines."""
	sales_orders = [s for s in set(sales_orders or ()) if s]
	if not sales_orders:
		return []
	names = orders_of_sales_orders(sales_orders)
	recompute(names, cause=cause)
	return names


def orders_of_sales_orders(sales_orders) -> list[str]:
	"""The submitted Customer Orders of these Sales Orders (one query)."""
	return sorted(
		{n for names in orders_of_sales_orders_by_sales_order(sales_orders).values() for n in names}
	)


def orders_of_sales_orders_by_sales_order(sales_orders) -> dict[str, list[str]]:
	"""{Sales Order: its submitted Customer Orders} (one query)."""
	sales_orders = [s for s in set(sales_orders or ()) if s]
	if not sales_orders:
		return {}
	co = frappe.qb.DocType("Customer Order")
	out = defaultdict(list)
	for name, sales_order in (
		frappe.qb.from_(co)
		.select(co.name, co.sales_order)
		.where(co.sales_order.isin(sales_orders) & (co.docstatus == 1))
	).run():
		out[sales_order].append(name)
	return dict(out)


def recompute(
	order_names,
	today=None,
	short: set[str] | None = None,
	cause=None,
	events: bool = True,
	stats: dict | None = None,
	profit: bool | set | list = True,
) -> dict[str, dict]:
	"""Recompute the statuses of submitted orders; returns {order: {field: new value}} of what changed.
	`today` is the date the delay statuses are judged on (default: the site's today). `short`: the Sales
	Order lines that stock cannot cover, when the caller already ran the priority pass over all demand
	(the nightly job runs it once for all batches). What changed is written to the orders' timelines as
	their business events, with `cause` (the document whose change it is), unless `events` is False (the
	nightly recalculation). Each order also gets its next-check date (`rules.sources.next_check`: when a
	date alone next changes one of its verdicts), written without touching the order. `stats`, when given,
	receives the numbers of lines read and changed. `profit`: the orders' profitability is recomputed in
	the same pass (True), not (False), or only for the orders given (the nightly run: those whose costs
	moved)."""
	order_names = list(set(order_names or ()))
	if not order_names:
		return {}
	data = gather(order_names, short=short)
	header_changes, line_changes = evaluate(data, getdate(today))
	notifications.announce(data, header_changes, line_changes, today)  # R17: what the customer is told
	next_checks = {}
	for name in list(header_changes):
		diff = header_changes[name]
		if "next_check" in diff:
			next_checks[name] = {"next_check": diff.pop("next_check")}
			if not diff:
				del header_changes[name]
	write("Customer Order", header_changes)
	write("Customer Order Item", line_changes)
	write("Customer Order", next_checks, touch=False)
	if profit:
		recompute_profit(order_names if profit is True else [n for n in profit if n in set(order_names)])
	if stats is not None:
		stats["lines"] = stats.get("lines", 0) + len(data.lines)
		stats["lines_changed"] = stats.get("lines_changed", 0) + len(line_changes)
	if events:
		timeline.record_changes(
			{o.name: o for o in data.orders}, header_changes, cause=cause, recomputed=order_names
		)
	return header_changes


def evaluate(data, today) -> tuple[dict, dict]:
	from order_mgmt.settings import get_probabilities

	probabilities = get_probabilities()
	lines_by_order = defaultdict(list)
	for line in data.lines:
		lines_by_order[line.parent].append(line)

	header_changes, line_changes = {}, {}
	for order in data.orders:
		ordered = delivered = reserved_total = incoming = 0.0
		has_stock = False
		statuses = []
		work_orders = []
		all_facts = []
		for line in lines_by_order[order.name]:
			cf = num(line.cf) or 1.0
			delivered_qty = num(line.so_delivered_qty)
			stock_qty = num(line.stock_qty)
			facts = line_facts(line, data)
			reserved_qty, line_sources = facts.reserved, facts.sources
			all_facts.append(facts)
			status = sources.line_status(facts, today)
			statuses.append(status)
			work_orders.extend(s for s in line_sources if s.kind == sources.WORK_ORDER)
			if line.is_stock_item:
				has_stock = True
				ordered += stock_qty
				delivered += min(delivered_qty * cf, stock_qty)
				reserved_total += reserved_qty
				incoming += sum(s.open_qty for s in line_sources if not s.requested)
			_diff(
				line_changes,
				line,
				{
					"product_status": status,
					"reserved_qty": reserved_qty,
					"delivered_qty": delivered_qty,
					"expected_date": sources.expected_date(facts),
					"sources": describe_sources(facts, today),
				},
			)

		facts = pipeline.OrderFacts(
			ordered_qty=ordered,
			reserved_qty=reserved_total,
			delivered_qty=delivered,
			work_orders=len(work_orders),
			work_orders_planned=sum(1 for w in work_orders if not w.requested),
			work_orders_started=sum(1 for w in work_orders if w.started and w.open_qty > 0),
			incoming_qty=incoming,
			has_stock_items=has_stock,
			skip_delivery_note=bool(order.skip_delivery_note),
			sales_order_closed=order.so_status == "Closed",
		)
		status = order.status
		target = pipeline.automatic_status(order.status, facts)
		if pipeline.check_transition(order.status, target, pipeline.Action.AUTOMATIC).allowed:
			status = target

		figures = data.money.get(order.sales_order)
		bill = billing.billing(figures.money if figures else billing.Money())
		base_money = figures.base if figures else billing.Money()
		base = billing.billing(base_money)
		_diff(
			header_changes,
			order,
			{
				"status": status,
				"probability": probabilities.get(status, 0),
				"product_status": product.order_status(statuses),
				"per_reserved": billing.percent(min(reserved_total + delivered, ordered), ordered),
				"per_delivered": billing.percent(delivered, ordered),
				"invoice_status": bill.invoice_status,
				"per_invoiced": bill.per_invoiced,
				"invoiced_amount": bill.invoiced_amount,
				"payment_status": bill.payment_status,
				"per_paid": bill.per_paid,
				"paid_amount": bill.paid_amount,
				"outstanding_amount": bill.outstanding_amount,
				"party_account_currency": figures.currency if figures else order.currency,
				"base_order_total": round(base_money.order_total, 2),
				"base_invoiced_amount": base.invoiced_amount,
				"base_credited_amount": base.credited_amount,
				"base_paid_amount": base.paid_amount,
				"base_outstanding_amount": base.outstanding_amount,
				"sales_order_status": order.so_status or "",
				"nothing_to_ship": int(pipeline.nothing_left_to_ship(facts)),
				"next_check": sources.next_check(all_facts, today),
			},
		)
	return header_changes, line_changes


def line_facts(line, data) -> sources.Line:
	"""The rules' view of one gathered line (a line delivered on several dates is judged on the date it
	is next due: `rules.sources.due_date`)."""
	delivery_date = line.delivery_date
	delivered = num(line.so_delivered_qty) * (num(line.cf) or 1.0)
	schedule = (data.get("schedules") or {}).get(line.so_detail)
	if schedule:
		delivery_date = sources.due_date(
			getdate(delivery_date) if delivery_date else None,
			[(getdate(day), num(qty)) for day, qty in schedule],
			delivered,
		)
	return sources.Line(
		ordered=num(line.stock_qty),
		delivered=delivered,
		reserved=num(data.reserved.get(line.so_detail)),
		sources=tuple(data.sources.get(line.so_detail, ())),
		delivery_date=delivery_date
		if type(delivery_date) is date or not delivery_date
		else getdate(delivery_date),
		is_stock_item=bool(line.is_stock_item),
		short=line.so_detail in data.short,
	)


def line_statuses(order_names, today) -> dict[str, str]:
	"""{Customer Order Item: its product status as of `today`}: the same gathering and rules as `recompute`,
	nothing written (the Delayed Orders report as of another date)."""
	order_names = list(set(order_names or ()))
	if not order_names:
		return {}
	data = gather(order_names)
	today = getdate(today)
	return {line.name: sources.line_status(line_facts(line, data), today) for line in data.lines}


def recompute_profit(order_names) -> dict[str, dict]:
	"""The profitability step of the recompute alone (R10): for orders whose costs alone changed, whatever
	their status (submitted or not, delivered or archived)."""
	from order_mgmt.figures import profit

	return profit.update_profitability(order_names)
