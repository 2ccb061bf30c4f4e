"""The Customer Order's bridge to ERPNext's Sales Order.

Prices, discounts, pricing rules, taxes and totals are ERPNext's own: an unsaved Sales Order is built from
the order, ERPNext prices it (`set_missing_values` + `calculate_taxes_and_totals`), and the results are
copied back. Confirming the order inserts and submits that same Sales Order, so both carry the same
figures to the cent.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, get_datetime

#: header fields the Sales Order computes and the order shows
HEADER_RESULTS = (
	"currency",
	"conversion_rate",
	"selling_price_list",
	"taxes_and_charges",
	"total_qty",
	"total",
	"net_total",
	"base_net_total",
	"total_taxes_and_charges",
	"apply_discount_on",
	"additional_discount_percentage",
	"discount_amount",
	"grand_total",
	"rounding_adjustment",
	"rounded_total",
	"in_words",
)
#: line fields the Sales Order computes and the order's lines show
ITEM_RESULTS = (
	"item_name",
	"uom",
	"conversion_factor",
	"stock_uom",
	"stock_qty",
	"price_list_rate",
	"discount_percentage",
	"discount_amount",
	"rate",
	"amount",
	"net_rate",
	"net_amount",
	"pricing_rules",
	"is_free_item",
	"warehouse",
	"delivery_date",
)
#: a tax line as the user or the template gives it (the amounts of "Actual" charges are inputs too)
TAX_INPUTS = (
	"charge_type",
	"row_id",
	"account_head",
	"description",
	"included_in_print_rate",
	"cost_center",
	"rate",
	"tax_amount",
)
#: tax row fields shown on the order: the inputs and ERPNext's results
TAX_RESULTS = (*TAX_INPUTS, "total", "tax_amount_after_discount_amount", "base_tax_amount", "base_total")


def _none_if_empty(value):
	return value or None


#: what the prices depend on: the header and each line
PRICING_HEADER = (
	"customer",
	"company",
	"order_date",
	"delivery_date",
	"currency",
	"selling_price_list",
	"taxes_and_charges",
	"set_warehouse",
	"apply_discount_on",
	"additional_discount_percentage",
	"discount_amount",
	"project",
)
PRICING_LINE = (
	"name",
	"item_code",
	"qty",
	"uom",
	"warehouse",
	"delivery_date",
	"price_list_rate",
	"discount_percentage",
	"rate",
)


def pricing_inputs(order) -> tuple:
	"""Everything ERPNext's pricing of the order depends on, to tell whether it must price again (values
	as a form sends them and as the database returns them compare equal: 2 and 2.0, a date and its text)."""

	def norm(value):
		if isinstance(value, int | float | Decimal):
			return round(float(value), 9)
		if isinstance(value, datetime.date):
			return value.isoformat()
		return value or ""

	return (
		tuple(norm(order.get(f)) for f in PRICING_HEADER),
		tuple(tuple(norm(d.get(f)) for f in PRICING_LINE) for d in order.items),
		tuple(tuple(norm(t.get(f)) for f in TAX_INPUTS) for t in order.get("taxes") or []),
	)


def link_lines(order):
	"""Store each line's `so_detail` in one UPDATE."""
	from frappe.query_builder import Case

	rows = {d.name: d.so_detail for d in order.items if d.name and d.so_detail}
	if not rows:
		return
	coi = frappe.qb.DocType("Customer Order Item")
	case = Case()
	for name, so_detail in rows.items():
		case = case.when(coi.name == name, so_detail)
	frappe.qb.update(coi).set(coi.so_detail, case).where(coi.name.isin(list(rows))).run()


def build_sales_order(order, price: bool = True):
	"""An unsaved Sales Order carrying the order's customer, items, prices and taxes, priced by ERPNext.
	With `price` False it carries the order's prices and tax lines as they are, for `insert()` to price
	(ERPNext's validate sets missing values and calculates taxes and totals)."""
	so = frappe.new_doc("Sales Order")
	# an internal calculation on behalf of an order the caller may edit: the caller's rights on the order
	# were checked; ERPNext's party lookup would otherwise ask for rights on Customer as well
	so.flags.ignore_permissions = True
	so.update(
		{
			"customer": order.customer,
			"company": order.company,
			"transaction_date": order.order_date,
			"delivery_date": order.delivery_date,
			"order_type": "Sales",
			"currency": _none_if_empty(order.currency),
			"selling_price_list": _none_if_empty(order.selling_price_list),
			"taxes_and_charges": _none_if_empty(order.taxes_and_charges),
			"set_warehouse": _none_if_empty(order.set_warehouse),
			"apply_discount_on": order.apply_discount_on or "Grand Total",
			"additional_discount_percentage": flt(order.additional_discount_percentage),
			"discount_amount": flt(order.discount_amount),
			"project": _none_if_empty(order.project),
			"customer_order": None if order.is_new() else order.name,
		}
	)
	for line in order.items:
		row = {
			"item_code": line.item_code,
			"qty": line.qty,
			"uom": _none_if_empty(line.uom),
			"warehouse": line.warehouse or order.set_warehouse or None,
			"delivery_date": line.delivery_date or order.delivery_date,
			# a price the user or ERPNext already set is kept; an empty one is looked up
			"price_list_rate": _none_if_empty(line.price_list_rate),
			"discount_percentage": _none_if_empty(line.discount_percentage),
			"rate": _none_if_empty(line.rate),
		}
		if line.get("is_free_item"):
			# a free line a product-discount rule added: ERPNext finds it by item and rule and updates it
			# (instead of adding it again)
			row.update({"is_free_item": 1, "pricing_rules": line.pricing_rules})
		so.append("items", row)
	if not price:
		for tax in order.get("taxes") or []:
			so.append("taxes", {f: tax.get(f) for f in TAX_INPUTS})
		return so
	# ERPNext's party details: price list, currency, and the customer's Tax Rule template (by its Tax
	# Category and group) where the order has no template; product-discount rules append their free lines
	so.set_missing_values(for_validate=True)
	set_taxes(order, so)
	so.calculate_taxes_and_totals()
	return so


def set_taxes(order, so, new: bool | None = None):
	"""The order's taxes, decided as the desk form and ERPNext decide a Sales Order's:
	- a new order with no template and no tax lines: the customer's Tax Rule template (ERPNext's party
	  details filled it in `set_missing_values`), else the company's default template, with its lines
	  (ERPNext's `set_taxes` of a new document);
	- a template with no lines, or a template changed since the last save: the template's lines (the form
	  clears the lines when the template changes);
	- otherwise the order's own lines as they are, or none at all (a tax-exempt order: template and lines
	  cleared on a saved order stay cleared)."""
	template = order.taxes_and_charges or None
	rows = order.get("taxes") or []
	so.set("taxes", [])
	if (order.is_new() if new is None else new) and not template and not rows:
		# so.taxes_and_charges: the Tax Rule's template or empty; ERPNext adds the default when empty
		so.set_taxes()
		return
	previous = order.get_doc_before_save()
	if previous and previous.customer != order.customer:
		# another customer chosen: their Tax Rule's template, as the form's party details bring it
		template = customer_tax_template(order) or template
	so.taxes_and_charges = template
	if template and (not rows or (previous and (previous.taxes_and_charges or None) != template)):
		so.append_taxes_from_master()
	else:
		for tax in rows:
			so.append("taxes", {f: tax.get(f) for f in TAX_INPUTS})


def customer_tax_template(order):
	"""The customer's Tax Rule template (by customer, customer group or Tax Category), ERPNext's lookup."""
	from erpnext.accounts.party import set_taxes as tax_rule_template

	customer_group, tax_category = frappe.db.get_value(
		"Customer", order.customer, ["customer_group", "tax_category"]
	) or (None, None)
	return tax_rule_template(
		order.customer,
		"Customer",
		order.order_date,
		order.company,
		customer_group=customer_group,
		tax_category=tax_category,
	)


def _line_key(line) -> tuple:
	"""What a line is: its item, whether it is a free item, and (for free items) the pricing rule that
	gave it: the key ERPNext itself matches free lines by (`apply_pricing_rule_for_free_items`)."""
	free = bool(line.get("is_free_item"))
	return (line.get("item_code"), free, (line.get("pricing_rules") or "") if free else "")


def match_lines(lines, so_lines) -> list[tuple]:
	"""Pairs (order line, Sales Order line), matched by what they are, never by position: a line linked to
	its Sales Order line (`so_detail`) first, then by item, free-item flag and (free items) pricing rule,
	in their order within each kind. A line without a partner comes with None on the other side."""
	by_name = {s.name: s for s in so_lines if s.name}
	used, pairs, pending = set(), [], []
	for line in lines:
		so_line = by_name.get(line.get("so_detail")) if line.get("so_detail") else None
		if so_line is not None and id(so_line) not in used:
			used.add(id(so_line))
			pairs.append((line, so_line))
		else:
			pending.append(line)
	unmatched = defaultdict(list)
	for so_line in so_lines:
		if id(so_line) not in used:
			unmatched[_line_key(so_line)].append(so_line)
	for line in pending:
		bucket = unmatched.get(_line_key(line))
		pairs.append((line, bucket.pop(0) if bucket else None))
	pairs.extend((None, so_line) for bucket in unmatched.values() for so_line in bucket)
	return pairs


def apply_prices(order, so=None):
	"""Price the order the ERPNext way and copy the results onto it."""
	so = so or build_sales_order(order)
	for field in HEADER_RESULTS:
		order.set(field, so.get(field))
	lines = []
	for line, so_line in match_lines(order.items, so.items):
		if so_line is None:
			if line.get("is_free_item"):
				continue  # its pricing rule no longer applies: ERPNext drops the free line too
			frappe.throw(
				_("Row {0}: ERPNext did not price item {1}.").format(line.idx, frappe.bold(line.item_code)),
				title=_("Pricing Failed"),
			)
		if line is None:
			# a free line ERPNext added for a product-discount pricing rule
			line = order.append("items", {"item_code": so_line.item_code})
		if so_line.get("is_free_item"):
			line.qty = so_line.qty  # the rule decides the free quantity
		for field in ITEM_RESULTS:
			line.set(field, so_line.get(field))
		lines.append(line)
	if len(lines) != len(order.items) or any(a is not b for a, b in zip(lines, order.items, strict=False)):
		order.set("items", lines)
		for i, line in enumerate(order.items, start=1):
			line.idx = i
	# tax lines are updated in place, so that saving an unchanged order changes nothing
	taxes = so.get("taxes") or []
	if len(order.get("taxes") or []) != len(taxes):
		order.set("taxes", [])
		for _tax in taxes:
			order.append("taxes", {})
	for row, tax in zip(order.taxes, taxes, strict=True):
		for field in TAX_RESULTS:
			row.set(field, tax.get(field))
	return so


def keep_saved_results(order, saved):
	"""The order's prices stand as saved (its pricing inputs are unchanged): every figure ERPNext computed
	is the saved one, whatever a client sent (header, lines by name, tax lines by position)."""
	for field in HEADER_RESULTS:
		order.set(field, saved.get(field))
	kept_lines = {d.name: d for d in saved.items}
	for line in order.items:
		kept = kept_lines.get(line.name)
		if kept is not None:
			for field in ITEM_RESULTS:
				line.set(field, kept.get(field))
	for row, kept in zip(order.get("taxes") or [], saved.get("taxes") or [], strict=False):
		for field in TAX_RESULTS:
			row.set(field, kept.get(field))


def _reprice_key(order) -> str:
	"""The order's "prices differ" mark in the cache (its creation in the key: a name a rolled-back order
	had is given again)."""
	return f"order_mgmt:reprice:{order.name}:{order.creation}"


#: a master's change is looked for this long before the order's last save: a change committed after that
#: save had read its snapshot can carry an earlier `modified`
MASTERS_MARGIN = datetime.timedelta(minutes=10)


def pricing_masters_changed(order, since) -> bool:
	"""Whether what ERPNext prices an order from changed since `since` (its last save): an Item Price or an
	Item of its lines (or of their templates), their Item Groups, any Pricing Rule (rules match by group,
	brand, customer, …), an Item Tax Template, the order's Price List, a Currency Exchange, the Customer,
	or such a record deleted; or a confirmation found other prices (one query). (ERPNext keeps a line's
	price list rate once set, on an order as on a Sales Order: a new Item Price prices new lines.)"""
	if frappe.cache.get_value(_reprice_key(order)):
		return True
	items = list({d.item_code for d in order.items if d.item_code}) or [""]
	return bool(
		frappe.db.sql(
			"""
			select 1 from `tabItem Price` where modified > %(since)s and item_code in %(items)s
			union all select 1 from `tabItem` where modified > %(since)s and name in %(items)s
			union all select 1 from `tabItem` where modified > %(since)s
				and name in (select variant_of from `tabItem` where name in %(items)s)
			union all select 1 from `tabItem Group` where modified > %(since)s
				and name in (select item_group from `tabItem` where name in %(items)s)
			union all select 1 from `tabPricing Rule` where modified > %(since)s
			union all select 1 from `tabItem Tax Template` where modified > %(since)s
			union all select 1 from `tabPrice List` where modified > %(since)s and name = %(price_list)s
			union all select 1 from `tabCurrency Exchange` where modified > %(since)s
			union all select 1 from `tabCustomer` where modified > %(since)s and name = %(customer)s
			union all select 1 from `tabDeleted Document` where modified > %(since)s
				and deleted_doctype in ('Item Price', 'Pricing Rule', 'Item Tax Template', 'Currency Exchange')
			limit 1
			""",
			{
				"since": get_datetime(since) - MASTERS_MARGIN,
				"items": items,
				"customer": order.customer or "",
				"price_list": order.selling_price_list or "",
			},
		)
	)


def priced_afresh(order) -> None:
	"""The order was priced again: a confirmation's "prices changed" mark is done with once this commits."""
	if order.name and not order.is_new():
		key = _reprice_key(order)
		frappe.db.after_commit.add(lambda: frappe.cache.delete_value(key))


def prices_differ(order) -> None:
	"""A confirmation found other prices than the saved order's: its next save prices it afresh, whatever
	changed (set outside the transaction, which the refusal rolls back)."""
	frappe.cache.set_value(_reprice_key(order), 1, expires_in_sec=30 * 24 * 3600)


def make_sales_order(order):
	"""Insert and submit the order's Sales Order (on confirm). Returns it."""
	if order.sales_order:
		frappe.throw(
			_("Customer Order {0} is already confirmed with Sales Order {1}").format(
				order.name, order.sales_order
			),
			title=_("Already Confirmed"),
		)
	# the order's prices and tax lines; ERPNext's own validation prices the Sales Order on insert
	so = build_sales_order(order, price=False)
	priced_by_it = bool(order.flags.priced_by_its_sales_order)
	if priced_by_it:
		# an order sent confirmed: priced once, by its Sales Order's validation, and its taxes decided as
		# for a new draft (the customer's Tax Rule template, else the company's default, with its lines)
		so.set_missing_lead_customer_details(for_validate=True)
		set_taxes(order, so, new=True)
	# an order of services only expects no Delivery Note: ERPNext's way to say so on the Sales Order (it
	# then completes with billing alone)
	item_codes = {d.item_code for d in order.items if d.item_code}
	if item_codes and not frappe.get_all(
		"Item", filters={"name": ("in", list(item_codes)), "is_stock_item": 1}, limit=1, pluck="name"
	):
		so.skip_delivery_note = 1
	# the Sales Order is the consequence of confirming the order: the right to confirm it was checked.
	# Inserted as submitted, as Frappe's insert of a document with docstatus 1 does (validate,
	# before_submit, on_submit): ERPNext prices it once, not once on insert and again on submit.
	# the one way the Sales Order's validate tells the app's own link from a client's (guard_sales_order_link):
	# a flag on the document the app itself makes
	so.flags.linking_customer_order = order.name
	if order.flags.lock_bins_late:
		so.flags.lock_bins_for_order = order  # overrides.sales_order.validate
	so.docstatus = 1
	so.insert()
	# ERPNext's status of a Sales Order is set on a save of the saved document (StatusUpdater.set_status
	# leaves a new document's alone): set it as its submit would have
	so.set_status(update=True, update_modified=False)
	if priced_by_it:
		apply_prices(order, so)  # the order takes ERPNext's figures (`overrides.sales_order.validate` did)
		return so
	# the same figures as the order shows (total, exchange rate), or the confirmation is refused (and
	# nothing is kept: the action's transaction is rolled back); the next save of the order prices it afresh
	if flt(so.grand_total, 2) != flt(order.grand_total, 2) or flt(so.conversion_rate, 9) != flt(
		order.conversion_rate, 9
	):
		prices_differ(order)
		frappe.throw(
			_(
				"Prices changed since the order was saved (grand total {0} now {1}, exchange rate {2} now {3}). Save the order again."
			).format(order.grand_total, so.grand_total, order.conversion_rate, so.conversion_rate),
			title=_("Prices Changed"),
		)
	return so


def sync_from_sales_order(so):
	"""Lines changed through the Sales Order's own "Update Items" flow back to the order: quantities,
	prices, dates, new and removed lines, taxes and totals, as ERPNext computed them."""
	name = so.get("customer_order")
	if not name or so.docstatus != 1:
		return
	order = frappe.get_doc("Customer Order", name)
	if order.docstatus != 1 or order.sales_order != so.name:
		return
	so_items = {d.name: d for d in so.items}
	before = [(d.so_detail, d.item_code, flt(d.qty), flt(d.rate), str(d.delivery_date)) for d in order.items]
	lines = {d.so_detail: d for d in order.items if d.so_detail}
	order.set("items", [lines[n] for n in lines if n in so_items])
	for so_line in so.items:
		line = lines.get(so_line.name)
		if not line:
			line = order.append("items", {"so_detail": so_line.name, "item_code": so_line.item_code})
		line.qty = so_line.qty
		for field in ITEM_RESULTS:
			line.set(field, so_line.get(field))
	after = [(d.so_detail, d.item_code, flt(d.qty), flt(d.rate), str(d.delivery_date)) for d in order.items]
	if before == after:
		return
	apply_prices(order, so)
	for i, line in enumerate(order.items, start=1):
		line.idx = i
	order.flags.ignore_validate_update_after_submit = True
	order.flags.ignore_permissions = True
	order.add_comment("Info", _("Lines updated from Sales Order {0}").format(so.name))
	order.save()


def guard_sales_order_link(so, method=None):
	"""Sales Order.validate: `customer_order` is the app's link, set when an order is confirmed. A client
	cannot point a Sales Order at an order (it would rewrite that order's lines): on a new Sales Order a
	link the app did not set is refused; on a saved one the stored value is kept."""
	claimed = so.get("customer_order")
	if so.flags.get("linking_customer_order") == claimed:
		return
	if so.is_new():
		if claimed:
			frappe.throw(
				_(
					"A Sales Order is linked to Customer Order {0} only by confirming that order; remove the link."
				).format(frappe.bold(frappe.utils.escape_html(claimed))),
				title=_("Not Allowed"),
			)
		return
	stored = frappe.db.get_value("Sales Order", so.name, "customer_order")
	if claimed != stored:
		so.customer_order = stored
