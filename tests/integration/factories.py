"""Small helpers that make the records a test needs (rolled back with the test)."""

import sys
from collections import defaultdict
from contextlib import contextmanager

import frappe
import pytest
from frappe.utils import add_days, nowdate


def company() -> str:
	return (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def warehouse() -> str:
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	return f"Stores - {abbr}"


def _leaf(doctype: str) -> str:
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="creation")


def make_customer(**kw) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": kw.pop("customer_name", None) or f"_T Customer {frappe.generate_hash(length=8)}",
			"customer_group": _leaf("Customer Group"),
			"territory": _leaf("Territory"),
			**kw,
		}
	).insert()
	return doc.name


def make_item(price: float | None = None, stock_item: bool = True, **kw) -> str:
	code = kw.pop("item_code", None) or f"_T-ITEM-{frappe.generate_hash(length=8)}"
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_name": code,
			"item_group": _leaf("Item Group"),
			"stock_uom": "Nos",
			"is_stock_item": 1 if stock_item else 0,
			"is_sales_item": 1,
			"valuation_rate": 10,
			**kw,
		}
	).insert()
	if price is not None:
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": code,
				"price_list": "Standard Selling",
				"price_list_rate": price,
			}
		).insert()
	return code


def make_pricing_rule(item_code: str, discount: float) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": f"_T {discount}% on {item_code}",
				"apply_on": "Item Code",
				"items": [{"item_code": item_code}],
				"selling": 1,
				"company": company(),
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": discount,
			}
		)
		.insert()
		.name
	)


def make_tax_template(rate: float) -> str:
	account = frappe.db.get_value(
		"Account", {"company": company(), "account_type": "Tax", "is_group": 0}, "name"
	) or frappe.db.get_value(
		"Account", {"company": company(), "root_type": "Liability", "is_group": 0}, "name"
	)
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": f"_T VAT {rate} {frappe.generate_hash(length=6)}",
				"company": company(),
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": f"VAT {rate}%",
						"rate": rate,
					}
				],
			}
		)
		.insert()
		.name
	)


def make_order(items: list[dict] | None = None, save: bool = True, **kw):
	"""A draft Customer Order; `items` rows are dicts (item_code, qty, …)."""
	doc = frappe.get_doc(
		{
			"doctype": "Customer Order",
			"customer": kw.pop("customer", None) or make_customer(),
			"company": company(),
			"order_date": nowdate(),
			"delivery_date": add_days(nowdate(), 10),
			"set_warehouse": warehouse(),
			"items": items if items is not None else [{"item_code": make_item(price=100), "qty": 1}],
			**kw,
		}
	)
	if save:
		doc.insert()
	return doc


def add_stock(item_code: str, qty: float, rate: float = 10):
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	return make_stock_entry(item_code=item_code, target=warehouse(), qty=qty, rate=rate, company=company())


def make_user(*roles: str) -> str:
	email = f"_t_{frappe.generate_hash(length=8)}@example.com"
	user = frappe.get_doc(
		{"doctype": "User", "email": email, "first_name": "Test", "send_welcome_email": 0}
	).insert()
	user.add_roles(*roles)
	return email


@contextmanager
def as_user(user: str):
	"""Act as `user` inside the block (Administrator again afterwards)."""
	frappe.set_user(user)
	try:
		yield
	finally:
		frappe.set_user("Administrator")


@contextmanager
def refused(exc=frappe.ValidationError, match=None):
	"""Expect the action inside to fail, then undo what it wrote, as the request handler does for a
	failed request; what the test checks afterwards is what a user would find."""
	save_point = f"refused_{frappe.generate_hash(length=8)}"
	frappe.db.savepoint(save_point)
	with pytest.raises(exc, match=match):
		yield
	frappe.db.rollback(save_point=save_point)


def make_supplier() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": f"_T Supplier {frappe.generate_hash(length=8)}",
				"supplier_group": _leaf("Supplier Group"),
			}
		)
		.insert()
		.name
	)


def make_bom(item_code: str, raw_material: str, qty: float = 1) -> str:
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": company(),
			"quantity": 1,
			"is_active": 1,
			"is_default": 1,
			"items": [{"item_code": raw_material, "qty": qty, "rate": 5}],
		}
	).insert()
	bom.submit()
	return bom.name


@contextmanager
def _queries_recorded(record):
	"""Every query run inside is handed to `record(sql, caller_frame)` before it runs."""
	orig_sql = frappe.db.__class__.sql

	def sql(db, *args, **kwargs):
		record(args[0], sys._getframe(1))
		return orig_sql(db, *args, **kwargs)

	frappe.db.__class__.sql = sql
	try:
		yield
	finally:
		frappe.db.__class__.sql = orig_sql


@contextmanager
def counted_queries():
	"""The queries run inside, counted the way Frappe's own FrappeTestCase.assertQueryCount counts them."""
	queries = []
	with _queries_recorded(lambda query, _frame: queries.append(query)):
		yield queries


#: the app's own doctypes (their documents' persistence is Frappe's per-row work, not the app's queries)
def _app_doctypes() -> frozenset:
	return frozenset(frappe.get_all("DocType", filters={"module": "Order Mgmt"}, pluck="name"))


def _layer_of(frame, app_doctypes) -> str:
	"""Who asked for a query: walking out from the database call, the first frame of ERPNext's code or of
	Frappe's document machinery working on a document that is not the app's → "erpnext"; Frappe's work on
	the rows of the app's own documents (one INSERT/UPDATE and link check per row, as for every doctype)
	→ "rows"; the first frame of the app's own code → "app"; anything else (tests, Frappe) → "other"."""
	from frappe.model.base_document import BaseDocument

	while frame is not None:
		path = frame.f_code.co_filename
		if "/erpnext/" in path:
			return "erpnext"
		if "/order_mgmt/" in path and "/tests/" not in path:
			return "app"
		if "/frappe/model/" in path:
			doc = frame.f_locals.get("self")
			if isinstance(doc, BaseDocument):
				if doc.doctype not in app_doctypes and doc.doctype not in ("Version", "Comment", "DocShare"):
					return "erpnext"
				if doc.meta.istable or frame.f_code.co_name in ("db_insert", "db_update", "set_new_name"):
					return "rows"
		frame = frame.f_back
	return "other"


@contextmanager
def queries_by_layer():
	"""The queries run inside, grouped by who asked for them (see `_layer_of`): {layer: [sql, …]}."""
	app_doctypes = _app_doctypes()
	found = defaultdict(list)
	with _queries_recorded(lambda query, frame: found[_layer_of(frame, app_doctypes)].append(query)):
		yield found


def request_done():
	"""What the end of a user's request runs before Frappe commits it: the before-commit callbacks of
	`frappe.db.commit` (the app's intake flush: each marked order recomputed once). A test's transaction is
	rolled back, never committed: a test calls this where the user's request would end — after changing
	ERPNext's documents directly — before it looks at what the user then sees."""
	frappe.db.before_commit.run()
