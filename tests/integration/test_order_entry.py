"""Entering large orders: the app prices an order only when something its prices depend on changed, and its
own work per action does not grow with the number of lines (ERPNext's and Frappe's per-row work aside)."""

import datetime

import frappe
import pytest
from frappe.utils import flt

from order_mgmt.api import billing as billing_api
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.services import selling
from tests.integration.factories import (
	add_stock,
	make_item,
	make_order,
	make_pricing_rule,
	queries_by_layer,
	refused,
)


class _PricingCalls:
	"""Counts ERPNext's per-line pricing (`get_item_details`) while calling through to it."""

	def __init__(self):
		from erpnext.controllers import accounts_controller

		self.module = accounts_controller
		self.original = accounts_controller.get_item_details
		self.calls = 0

	def __enter__(self):
		def counted(*args, **kwargs):
			self.calls += 1
			return self.original(*args, **kwargs)

		self.module.get_item_details = counted
		return self

	def __exit__(self, *exc):
		self.module.get_item_details = self.original


def _order_of(lines: int, price: float = 20):
	return make_order(items=[{"item_code": make_item(price=price), "qty": 1 + i} for i in range(lines)])


@pytest.fixture
def masters_settled(monkeypatch):
	"""The test's items and prices are made just before its orders; on a real site they are older than the
	margin the app looks back for master changes (`selling.MASTERS_MARGIN`): no margin here."""
	monkeypatch.setattr(selling, "MASTERS_MARGIN", datetime.timedelta(0))


def test_saving_an_unchanged_order_does_not_price_it_again(masters_settled):
	order = _order_of(6)
	saved = frappe.get_doc("Customer Order", order.name)
	total, grand_total = saved.net_total, saved.grand_total
	with _PricingCalls() as pricing:
		saved.save()
	assert pricing.calls == 0
	assert frappe.db.get_value("Customer Order", order.name, ["net_total", "grand_total"]) == (
		total,
		grand_total,
	)

	# a changed quantity is priced by ERPNext (every line: its rules may depend on the others)
	saved.items[0].qty += 1
	with _PricingCalls() as pricing:
		saved.save()
	assert pricing.calls == 6
	assert flt(saved.net_total) == flt(total) + 20


def test_figures_a_client_sends_with_an_unchanged_order_are_the_saved_ones(masters_settled):
	order = _order_of(2)
	doc = frappe.get_doc("Customer Order", order.name)
	grand_total = doc.grand_total
	doc.grand_total = doc.rounded_total = doc.net_total = 1
	doc.items[0].amount = doc.items[0].net_amount = 1
	doc.save()
	stored = frappe.get_doc("Customer Order", order.name)
	assert stored.net_total == 60  # 20 x 1 + 20 x 2
	assert stored.grand_total == grand_total
	assert stored.items[0].amount == 20


def test_a_pricing_rule_made_after_the_save_is_applied_on_the_next_save():
	"""An unchanged order is priced again when its pricing masters changed since its last save, as a
	Sales Order saved again in ERPNext applies a new pricing rule."""
	item = make_item(price=50)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	assert order.net_total == 100
	make_pricing_rule(item, discount=10)
	doc = frappe.get_doc("Customer Order", order.name)
	doc.save()
	assert doc.items[0].discount_percentage == 10
	assert doc.net_total == 90


def test_prices_changed_before_confirming_refuse_then_the_next_save_prices_afresh(masters_settled):
	item = make_item(price=50)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	make_pricing_rule(item, discount=10)
	with refused(match="Prices changed since the order was saved"):
		order_api.confirm(order.name)
	assert frappe.db.get_value("Customer Order", order.name, ["docstatus", "sales_order"]) == (0, None)
	doc = frappe.get_doc("Customer Order", order.name)
	doc.save()
	order_api.confirm(order.name)
	doc.reload()
	assert doc.docstatus == 1 and doc.net_total == 90
	assert frappe.db.get_value("Sales Order", doc.sales_order, ["docstatus", "grand_total"]) == (
		1,
		doc.grand_total,
	)


def test_confirming_makes_the_sales_order_with_one_pricing_pass():
	order = _order_of(4)
	with _PricingCalls() as pricing:
		order_api.confirm(order.name)
	assert pricing.calls == 4  # ERPNext prices its Sales Order once (inserted as submitted)
	so = frappe.get_doc("Sales Order", frappe.db.get_value("Customer Order", order.name, "sales_order"))
	assert so.docstatus == 1 and so.status == "To Deliver and Bill"
	assert so.grand_total == frappe.db.get_value("Customer Order", order.name, "grand_total")
	assert [d.qty for d in so.items] == [1, 2, 3, 4]


def _app_queries_per_action(lines: int) -> dict[str, int]:
	"""The app's own queries of each step of an order's life, for an order of `lines` lines of distinct
	items (per-item lookups would show)."""
	items = [make_item(price=10 + i) for i in range(lines)]
	for item in items:
		add_stock(item, 10)
	counts = {}

	def step(name, fn):
		frappe.local.flags.pop("order_mgmt_probabilities", None)
		with queries_by_layer() as found:
			out = fn()
		counts[name] = len(found["app"])
		return out

	order = step("create", lambda: make_order(items=[{"item_code": c, "qty": 2} for c in items], save=True))
	doc = frappe.get_doc("Customer Order", order.name)
	step("save unchanged", doc.save)
	step("confirm", lambda: order_api.confirm(order.name))
	step("reserve", lambda: stock_api.reserve(order.name))
	step("deliver", lambda: stock_api.make_delivery_note(order.name, submit=1))
	step("invoice", lambda: billing_api.make_sales_invoice(order.name, submit=1))
	paid = step("pay", lambda: billing_api.record_payment(order.name))
	# the action answers with the figures after the payment (its events are recomputed before it answers)
	assert (paid["payment_status"], paid["outstanding_amount"]) == ("Paid", 0)
	assert frappe.db.get_value("Customer Order", order.name, "payment_status") == "Paid"
	return counts


def test_the_apps_own_queries_do_not_grow_with_the_lines(masters_settled):
	_app_queries_per_action(2)  # warm the caches (doctype meta, settings) once
	small, large = _app_queries_per_action(2), _app_queries_per_action(12)
	assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
	# a constant each; confirm and reserve include the promise check (at most ten queries: issue 28)
	assert all(n < 75 for n in large.values()), large


def test_a_new_exchange_rate_is_taken_on_the_next_save():
	"""A Currency Exchange entered after the save prices the order again (its base figures are ERPNext's)."""
	from tests.integration.factories import company

	currency = frappe.get_cached_value("Company", company(), "default_currency")
	foreign = "EUR" if currency != "EUR" else "USD"
	frappe.get_doc(
		{
			"doctype": "Currency Exchange",
			"date": frappe.utils.add_days(frappe.utils.nowdate(), -30),
			"from_currency": foreign,
			"to_currency": currency,
			"exchange_rate": 2,
			"for_selling": 1,
		}
	).insert()
	order = make_order(items=[{"item_code": make_item(price=50), "qty": 1}], currency=foreign)
	assert order.conversion_rate == 2
	frappe.get_doc(
		{
			"doctype": "Currency Exchange",
			"date": frappe.utils.add_days(frappe.utils.nowdate(), -1),
			"from_currency": foreign,
			"to_currency": currency,
			"exchange_rate": 3,
			"for_selling": 1,
		}
	).insert()
	doc = frappe.get_doc("Customer Order", order.name)
	doc.save()
	assert doc.conversion_rate == 3
	assert doc.base_net_total == 3 * doc.net_total


def test_a_master_changed_just_before_the_last_save_is_still_looked_for():
	"""Within the margin before the last save (a change committed after that save read its snapshot can
	carry an earlier time), an unchanged save prices again."""
	order = _order_of(2)
	doc = frappe.get_doc("Customer Order", order.name)
	with _PricingCalls() as pricing:
		doc.save()
	assert pricing.calls == 2
