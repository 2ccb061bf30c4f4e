"""Costs and profitability of Customer Orders (R10), from ERPNext's own documents.

For many orders at once, with a fixed number of queries (one per kind of figure, whatever the number of
orders), everything in the company currency:

- **revenue**: net amount (without taxes) of the order's lines on submitted Sales Invoices (through the
  invoice lines' Sales Order), less the net amount of their submitted credit notes (whichever way ERPNext
  settles them: the credit note's lines carry the Sales Order too);
- **cost of goods**: the stock ledger's valuation of what the order's Delivery Notes took out of stock —
  `Stock Ledger Entry.stock_value_difference` of their lines, negated (returns give it back);
- **time**: `Timesheet Detail.costing_amount` (x the Timesheet's exchange rate) of submitted Timesheets on Tasks of the order
  (`Task.customer_order`), hours with it;
- **purchases**: lines of submitted Purchase Invoices booked to the order — on the order's Project, or made
  from a Purchase Order line raised for the order's Sales Order — for items that are *not* stock items
  (services, subcontracting, freight). Stock items bought for the order go into stock first and reach the
  order as cost of goods when delivered; counting them here too would count them twice;
- **other job costs**: debit - credit of submitted Journal Entry lines on expense accounts booked to the
  order's Project.

`update_profitability(order_names)` writes the results to the orders' profitability fields with batched
UPDATEs; `get_profitability` returns them for reports.
"""

from collections import defaultdict

import frappe
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import IfNull, NullIf, Sum
from frappe.utils import flt

from order_mgmt.figures.write import write
from order_mgmt.rules.profit import Costs, profitability
from order_mgmt.utils import in_list

#: fields of Customer Order this module writes
FIELDS = (
	"revenue_amount",
	"cost_of_goods",
	"total_hours",
	"timesheet_cost",
	"purchase_cost",
	"other_cost",
	"total_cost",
	"profit_amount",
	"profit_margin",
)


def _in(values) -> tuple:
	values = tuple(sorted({v for v in values if v}))
	return values or ("",)


def get_profitability(orders) -> dict[str, frappe._dict]:
	"""{order name: figures} for `orders` (dicts with name, sales_order, project)."""
	orders = [frappe._dict(o) for o in orders]
	by_so = {o.sales_order: o.name for o in orders if o.sales_order}
	by_project = defaultdict(list)
	for o in orders:
		if o.get("project"):
			by_project[o.project].append(o.name)
	names = [o.name for o in orders]
	revenue, credited, goods, purchases, other = (
		defaultdict(float),
		defaultdict(float),
		defaultdict(float),
		defaultdict(float),
		defaultdict(float),
	)
	hours, time_cost = defaultdict(float), defaultdict(float)

	if by_so:
		for so, amount, credit in frappe.db.sql(
			"""
			select sii.sales_order, sum(if(si.is_return, 0, sii.base_net_amount)),
				-sum(if(si.is_return, sii.base_net_amount, 0))
			from `tabSales Invoice Item` sii
			join `tabSales Invoice` si on si.name = sii.parent
			where si.docstatus = 1 and sii.sales_order in %(so)s
			group by sii.sales_order""",
			{"so": _in(by_so)},
		):
			revenue[by_so[so]] += flt(amount)
			credited[by_so[so]] += flt(credit)

		for so, value in frappe.db.sql(
			"""
			select dni.against_sales_order, sum(sle.stock_value_difference)
			from `tabStock Ledger Entry` sle
			join `tabDelivery Note Item` dni on dni.name = sle.voucher_detail_no
			where sle.voucher_type = 'Delivery Note' and sle.is_cancelled = 0
				and dni.against_sales_order in %(so)s
			group by dni.against_sales_order""",
			{"so": _in(by_so)},
		):
			goods[by_so[so]] -= flt(value)

		for so, amount in frappe.db.sql(
			"""
			select poi.sales_order, sum(pii.base_net_amount)
			from `tabPurchase Invoice Item` pii
			join `tabPurchase Invoice` pi on pi.name = pii.parent
			join `tabPurchase Order Item` poi on poi.name = pii.po_detail
			left join `tabItem` item on item.name = pii.item_code
			where pi.docstatus = 1 and poi.sales_order in %(so)s and ifnull(item.is_stock_item, 0) = 0
				and not (ifnull(pii.project, '') != '' and pii.project in %(projects)s)
			group by poi.sales_order""",
			{"so": _in(by_so), "projects": _in(by_project)},
		):
			purchases[by_so[so]] += flt(amount)

	if by_project:
		for project, amount in frappe.db.sql(
			"""
			select pii.project, sum(pii.base_net_amount)
			from `tabPurchase Invoice Item` pii
			join `tabPurchase Invoice` pi on pi.name = pii.parent
			left join `tabItem` item on item.name = pii.item_code
			where pi.docstatus = 1 and pii.project in %(projects)s and ifnull(item.is_stock_item, 0) = 0
			group by pii.project""",
			{"projects": _in(by_project)},
		):
			_share(purchases, by_project[project], amount)

		for project, amount in frappe.db.sql(
			"""
			select jea.project, sum(jea.debit - jea.credit)
			from `tabJournal Entry Account` jea
			join `tabJournal Entry` je on je.name = jea.parent
			join `tabAccount` acc on acc.name = jea.account
			where je.docstatus = 1 and jea.project in %(projects)s and acc.root_type = 'Expense'
			group by jea.project""",
			{"projects": _in(by_project)},
		):
			_share(other, by_project[project], amount)

	if names and frappe.db.has_column("Task", "customer_order"):
		for order, h, cost in frappe.db.sql(
			"""
			select task.customer_order, sum(tsd.hours),
				sum(tsd.costing_amount * ifnull(nullif(ts.exchange_rate, 0), 1))
			from `tabTimesheet Detail` tsd
			join `tabTimesheet` ts on ts.name = tsd.parent
			join `tabTask` task on task.name = tsd.task
			where ts.docstatus = 1 and task.customer_order in %(orders)s
			group by task.customer_order""",
			{"orders": _in(names)},
		):
			hours[order] += flt(h)
			time_cost[order] += flt(cost)

	result = {}
	for name in names:
		costs = Costs(
			cost_of_goods=flt(goods[name], 2),
			timesheet_cost=flt(time_cost[name], 2),
			purchase_cost=flt(purchases[name], 2),
			other_cost=flt(other[name], 2),
		)
		p = profitability(revenue[name], costs, credited=credited[name])
		result[name] = frappe._dict(
			revenue_amount=p.revenue_amount,
			cost_of_goods=costs.cost_of_goods,
			total_hours=flt(hours[name], 2),
			timesheet_cost=costs.timesheet_cost,
			purchase_cost=costs.purchase_cost,
			other_cost=costs.other_cost,
			total_cost=p.total_cost,
			profit_amount=p.profit_amount,
			profit_margin=p.profit_margin,
		)
	return result


def _share(target, orders, amount):
	"""A project's cost split evenly over the orders on that project (usually one)."""
	for name in orders:
		target[name] += flt(amount) / len(orders)


def orders_of_job_costs(projects, po_details) -> list[str]:
	"""The orders that costs booked to these projects or Purchase Order lines belong to (two queries at
	most), as `get_profitability` counts them."""
	projects = [p for p in set(projects or ()) if p]
	po_details = [d for d in set(po_details or ()) if d]
	co = frappe.qb.DocType("Customer Order")
	names = set()
	if projects:
		names.update(frappe.qb.from_(co).select(co.name).where(co.project.isin(projects)).run(pluck=True))
	if po_details:
		poi = frappe.qb.DocType("Purchase Order Item")
		names.update(
			frappe.qb.from_(poi)
			.join(co)
			.on(co.sales_order == poi.sales_order)
			.select(co.name)
			.where(poi.name.isin(po_details))
			.run(pluck=True)
		)
	return sorted(names)


def update_profitability(order_names) -> dict[str, dict]:
	"""Recompute and store the profitability fields of these orders (submitted or not); returns
	{order: {field: value}} of what changed. A fixed number of queries, batched UPDATEs."""
	order_names = list({n for n in order_names or () if n})
	if not order_names:
		return {}
	co = frappe.qb.DocType("Customer Order")
	orders = (
		frappe.qb.from_(co)
		.select(co.name, co.sales_order, co.project, *[co[f] for f in FIELDS])
		.where(in_list(co.name, order_names))
	).run(as_dict=True)
	figures = get_profitability(orders)
	changes = {}
	for o in orders:
		new = figures[o.name]
		diff = {}
		for f in FIELDS:
			value = flt(new[f], 2)
			old = o.get(f)
			# stored with two decimals: a difference below a cent's half is the same figure
			if abs((float(old) if old else 0.0) - value) > 0.004:
				diff[f] = value
		if diff:
			changes[o.name] = diff
	write("Customer Order", changes, touch=False)
	return changes
