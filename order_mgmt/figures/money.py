"""Money (R7): what ERPNext's invoices, credit notes and payment ledger say about the orders' Sales Orders."""

from collections import defaultdict

import frappe
from frappe.query_builder.functions import Coalesce, NullIf, Sum

from order_mgmt import compat
from order_mgmt.rules import billing
from order_mgmt.utils import Least, in_list, num

#: the order's money figures (R7), in its receivable currency
MONEY_FIELDS = (
	"invoice_status",
	"per_invoiced",
	"invoiced_amount",
	"payment_status",
	"per_paid",
	"paid_amount",
	"outstanding_amount",
	"party_account_currency",
)
#: the same in the company currency, stored for the reports (totals that never add two currencies)
BASE_MONEY_FIELDS = (
	"base_order_total",
	"base_invoiced_amount",
	"base_credited_amount",
	"base_paid_amount",
	"base_outstanding_amount",
)


def gather_money(sales_orders) -> dict[str, frappe._dict]:
	"""{Sales Order: figures} of what ERPNext's documents and payment ledger say about the orders' money,
	with four queries whatever the number of orders: the Sales Orders, their lines with what invoices bill
	of each, their invoices and credit notes, and one aggregate over the Payment Ledger Entries (not
	delinked) against those invoices, credit notes and Sales Orders — the same sums ERPNext's own
	outstanding update reads (`accounts.utils.update_voucher_outstanding`).

	Each figure: `currency` (the receivable account's), `company_currency`, `money` (rules.billing.Money in
	the receivable currency) and `base` (the same in the company currency), `invoices` [(invoice,
	outstanding in receivable currency)] oldest first, and `invoice_debt` (what the invoices and their
	credit notes still hold together)."""
	sales_orders = sorted({s for s in sales_orders or () if s})
	if not sales_orders:
		return {}
	so = frappe.qb.DocType("Sales Order")
	heads = (
		frappe.qb.from_(so)
		.select(
			so.name,
			so.company,
			so.currency,
			so.party_account_currency,
			so.grand_total,
			so.rounded_total,
			so.base_grand_total,
			so.base_rounded_total,
		)
		.where(in_list(so.name, sales_orders))
	).run(as_dict=True)
	soi = frappe.qb.DocType("Sales Order Item")
	si = frappe.qb.DocType("Sales Invoice")
	sii = frappe.qb.DocType("Sales Invoice Item")
	# what invoices (not credit notes) bill of each Sales Order line, as ERPNext's per_billed counts it
	billed = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(sii.so_detail, Sum(sii.amount).as_("billed"))
		.where(in_list(sii.sales_order, sales_orders) & (si.docstatus == 1) & (si.is_return == 0))
		.groupby(sii.so_detail)
	)
	# per Sales Order: its lines' total and what invoices bill of it, each line counted up to its amount
	# (one row per order, not per line)
	lines = (
		frappe.qb.from_(soi)
		.left_join(billed)
		.on(billed.so_detail == soi.name)
		.select(
			soi.parent,
			Sum(soi.amount).as_("amount"),
			Sum(Least(Coalesce(billed.billed, 0), Coalesce(soi.amount, 0))).as_("billed"),
		)
		.where(in_list(soi.parent, sales_orders))
		.groupby(soi.parent)
	).run(as_dict=True)
	invoices = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(
			sii.sales_order,
			si.name,
			si.is_return,
			si.posting_date,
			si.currency,
			si.party_account_currency,
			si.net_total,
			Sum(sii.net_amount).as_("net_amount"),
			Coalesce(NullIf(si.rounded_total, 0), si.grand_total).as_("total"),
			Coalesce(NullIf(si.base_rounded_total, 0), si.base_grand_total).as_("base_total"),
			si.outstanding_amount,
		)
		.where(in_list(sii.sales_order, sales_orders) & (si.docstatus == 1))
		.groupby(sii.sales_order, si.name)
		.orderby(si.posting_date)
		.orderby(si.name)
	).run(as_dict=True)
	ple = frappe.qb.DocType("Payment Ledger Entry")
	vouchers = sorted({i.name for i in invoices})
	against = (ple.against_voucher_type == "Sales Order") & in_list(ple.against_voucher_no, sales_orders)
	if vouchers:
		against |= (ple.against_voucher_type == "Sales Invoice") & in_list(ple.against_voucher_no, vouchers)
	ledger = (
		frappe.qb.from_(ple)
		.select(
			ple.against_voucher_type,
			ple.against_voucher_no,
			ple.account_currency,
			Sum(ple.amount_in_account_currency).as_("amount"),
			Sum(ple.amount).as_("base_amount"),
		)
		.where((ple.delinked == 0) & against)
		.groupby(ple.against_voucher_type, ple.against_voucher_no, ple.account_currency)
	).run(as_dict=True)
	# ERPNext v16 keeps the Sales Orders' advances in its advance ledger (compat; nothing on v15)
	ledger += compat.sales_order_advances(sales_orders)
	by_voucher = defaultdict(list)
	for r in ledger:
		by_voucher[r.against_voucher_no].append(r)

	out = {}
	for head in heads:
		out[head.name] = frappe._dict(
			head=head,
			currency=None,
			company_currency=frappe.get_cached_value("Company", head.company, "default_currency"),
			line_total=0.0,
			billed_lines=0.0,
			parts=[],
		)
	for line in lines:
		f = out.get(line.parent)
		if f:
			f.line_total += num(line.amount)
			f.billed_lines += num(line.billed)
	for inv in invoices:
		f = out.get(inv.sales_order)
		if f:
			f.parts.append(inv)
			f.currency = f.currency or inv.party_account_currency
	for name, f in out.items():
		head = f.head
		for r in by_voucher.get(name, ()):
			f.currency = r.account_currency or f.currency
		f.currency = f.currency or head.party_account_currency or head.currency
		totals = {}
		for base in (False, True):
			# the order's total as ERPNext measures advances against it (set_total_advance_paid)
			if base or f.currency != head.currency:
				order_total = num(head.base_rounded_total) or num(head.base_grand_total)
			else:
				order_total = num(head.rounded_total) or num(head.grand_total)
			invoiced = credited = outstanding = 0.0
			for inv in f.parts:
				share = _invoice_share(inv)
				if base or inv.party_account_currency != inv.currency:
					total = num(inv.base_total)
				else:
					total = num(inv.total)
				if inv.is_return:
					credited -= total * share
				else:
					invoiced += total * share
				field = "base_amount" if base else "amount"
				outstanding += sum(num(r[field]) for r in by_voucher.get(inv.name, ())) * share
			advance = -sum(num(r["base_amount" if base else "amount"]) for r in by_voucher.get(name, ()))
			totals[base] = billing.Money(
				order_total=order_total,
				line_total=f.line_total,
				billed_lines=f.billed_lines,
				invoiced=invoiced,
				credited=credited,
				ledger_outstanding=outstanding,
				advance=advance,
			)
		f.money, f.base = totals[False], totals[True]
		# what Record Payment may allocate to: the invoices' own open amounts, oldest first
		seen = set()
		f.invoices = []
		for inv in f.parts:
			if inv.is_return or inv.name in seen:
				continue
			seen.add(inv.name)
			own = sum(num(r.amount) for r in by_voucher.get(inv.name, ()))
			if own > billing.EPS:
				f.invoices.append((inv.name, round(own, 2)))
		f.invoice_debt = round(f.money.ledger_outstanding, 2)
		del f["parts"], f["head"]
	return out


def _invoice_share(invoice) -> float:
	"""The part of an invoice (or credit note) that belongs to one Sales Order (an invoice may bill several;
	usually 1)."""
	if abs(num(invoice.net_total)) <= billing.EPS:
		return 1.0
	return min(abs(num(invoice.net_amount) / num(invoice.net_total)), 1.0)


def sales_orders_of_references(references) -> set[str]:
	"""The Sales Orders behind (doctype, name) references to Sales Orders and Sales Invoices (one query)."""
	sales_orders, invoices = set(), set()
	for doctype, name in references:
		if doctype == "Sales Order" and name:
			sales_orders.add(name)
		elif doctype == "Sales Invoice" and name:
			invoices.add(name)
	if invoices:
		sii = frappe.qb.DocType("Sales Invoice Item")
		sales_orders.update(
			(
				frappe.qb.from_(sii)
				.select(sii.sales_order)
				.distinct()
				.where(sii.parent.isin(sorted(invoices)) & sii.sales_order.isnotnull())
			).run(pluck=True)
		)
	return {s for s in sales_orders if s}


def settled(co):
	"""SQL: the order's money is settled — nothing outstanding, to the half cent either way
	(`rules.billing.EPS`, the rules' own tolerance). The nightly run's scope and archiving use it."""
	return (co.outstanding_amount <= billing.EPS) & (co.outstanding_amount >= -billing.EPS)
