"""An order sent already confirmed (issue 26: `POST /api/resource/Customer Order` with `docstatus: 1`, as
ERPNext accepts a Sales Order) gets what a draft confirmed with `confirm` gets, in one request: the same
prices, discounts, free lines, taxes and totals as its Sales Order — priced once, by ERPNext's validation of
that Sales Order — and its lines linked to it.

Frappe's route is the request here (`services.transactions.read_committed_for` starts its transaction again
reading what is committed), so what the test makes is committed first and removed at the end."""

import contextlib

import frappe
import pytest
from frappe.utils import flt

from order_mgmt.api import customer_order as order_api
from order_mgmt.services import transactions
from tests.integration.erp_docs import purge_committed
from tests.integration.factories import (
	make_customer,
	make_item,
	make_order,
	make_pricing_rule,
	make_tax_template,
)
from tests.integration.test_order_entry import _PricingCalls
from tests.integration.test_pricing_rules_and_taxes import make_free_item_rule


class Made:
	def __init__(self):
		self.orders, self.items, self.customers, self.templates, self.rules = [], [], [], [], []

	def purge(self):
		purge_committed(self.orders, self.items, self.customers, templates=self.templates)
		for rule in self.rules:
			frappe.delete_doc("Pricing Rule", rule, force=True, ignore_permissions=True)
		frappe.db.commit()


@pytest.fixture
def made():
	records = Made()
	yield records
	frappe.db.rollback()
	records.purge()


@contextlib.contextmanager
def frappes_route(method: str, path: str):
	"""The request is Frappe's own route `method path` (a werkzeug request as the server's)."""
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	had, before = hasattr(frappe.local, "request"), getattr(frappe.local, "request", None)
	frappe.local.request = Request(EnvironBuilder(path=path, method=method).get_environ())
	try:
		yield
	finally:
		if had:
			frappe.local.request = before
		else:
			del frappe.local.request


def _send_confirmed(customer, items, **kw):
	"""The order as a client sends it to `POST /api/resource/Customer Order` with `docstatus: 1` (Frappe's
	own route: a werkzeug request as the server's, on a transaction with nothing written)."""
	frappe.db.commit()
	with frappes_route("POST", "/api/resource/Customer Order"):
		order = make_order(customer=customer, items=items, save=False, **kw)
		order.docstatus = 1
		with _PricingCalls() as pricing:
			order.insert()
		frappe.db.commit()
	return frappe.get_doc("Customer Order", order.name), pricing.calls


def _figures(order):
	return {
		"header": [
			flt(order.get(f), 2)
			for f in ("total_qty", "net_total", "total_taxes_and_charges", "grand_total", "rounded_total")
		],
		"template": order.taxes_and_charges,
		"taxes": [(t.description, flt(t.rate), flt(t.tax_amount, 2)) for t in order.taxes],
		"lines": [
			(
				d.item_code,
				flt(d.qty),
				flt(d.stock_qty),
				flt(d.price_list_rate),
				flt(d.rate),
				d.is_free_item or 0,
			)
			for d in order.items
		],
	}


def _sales_order_agrees(order):
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert (so.docstatus, so.customer_order, flt(so.grand_total, 2)) == (
		1,
		order.name,
		flt(order.grand_total, 2),
	)
	assert {d.so_detail for d in order.items} == {d.name for d in so.items}
	assert [t.description for t in so.taxes] == [t.description for t in order.taxes]
	return so


def test_an_order_sent_confirmed_is_priced_once_and_agrees_with_a_confirmed_draft(made):
	discounted, plain = make_item(price=100), make_item(price=30)
	template = make_tax_template(7)
	rule = make_pricing_rule(discounted, discount=10)
	customer = make_customer()
	made.items += [discounted, plain]
	made.templates.append(template)
	made.rules.append(rule)
	made.customers.append(customer)
	lines = [{"item_code": discounted, "qty": 2}, {"item_code": plain, "qty": 3}]

	draft = make_order(customer=customer, items=lines, taxes_and_charges=template)
	made.orders.append(draft.name)
	order_api.confirm(draft.name)
	draft.reload()
	sent, pricing_passes = _send_confirmed(customer, lines, taxes_and_charges=template)
	made.orders.append(sent.name)

	assert pricing_passes == 2  # one per line: the Sales Order's validation, not the order's as well
	# the rows ERPNext's pricing added (the template's tax lines) are confirmed with the order
	assert {d.docstatus for d in sent.items + sent.taxes} == {1} and len(sent.taxes) == 1
	assert (sent.docstatus, sent.status) == (1, "Confirmed")
	assert _figures(sent) == _figures(draft)
	assert _figures(sent)["header"][1:4] == [270.0, 18.9, 288.9]  # 2 x 90 + 3 x 30, VAT 7%
	_sales_order_agrees(sent)
	assert frappe.db.exists(
		"Comment",
		{
			"reference_doctype": "Customer Order",
			"reference_name": sent.name,
			"content": ("like", "Confirmed%"),
		},
	)


def test_an_order_sent_confirmed_gets_the_free_line_of_a_rule_linked_to_its_sales_order(made):
	item, gift = make_item(price=40), make_item(price=5)
	rule = make_free_item_rule(item, free_item=gift, free_qty=1)
	customer = make_customer()
	made.items += [item, gift]
	made.rules.append(rule)
	made.customers.append(customer)

	draft = make_order(customer=customer, items=[{"item_code": item, "qty": 2}])
	made.orders.append(draft.name)
	order_api.confirm(draft.name)
	draft.reload()
	sent, _ = _send_confirmed(customer, [{"item_code": item, "qty": 2}])
	made.orders.append(sent.name)

	assert _figures(sent) == _figures(draft)
	assert {d.docstatus for d in sent.items} == {1}
	assert sorted((d.item_code, flt(d.qty), flt(d.rate), d.is_free_item) for d in sent.items) == sorted(
		[(item, 2.0, 40.0, 0), (gift, 1.0, 0.0, 1)]
	)
	so = _sales_order_agrees(sent)
	assert sorted((d.item_code, d.is_free_item) for d in so.items) == sorted([(item, 0), (gift, 1)])


@pytest.mark.parametrize(
	("method", "path", "form", "expected"),
	[
		("POST", "/api/resource/Customer Order", {}, True),
		("PUT", "/api/resource/Customer%20Order/CO-0001", {}, True),
		("POST", "/api/v1/resource/Customer Order", {}, True),
		("PATCH", "/api/v2/document/Customer Order/CO-0001", {}, True),
		("GET", "/api/resource/Customer Order", {}, False),
		("POST", "/api/resource/Sales Order", {}, False),
		("POST", "/api/method/frappe.client.submit", {"doc": '{"doctype": "Customer Order"}'}, True),
		("POST", "/api/method/frappe.client.submit", {"doc": '{"doctype": "Sales Order"}'}, False),
		# several documents in one request: the first one's route would hold for the others too
		("POST", "/api/method/frappe.client.insert_many", {"docs": '[{"doctype": "Customer Order"}]'}, False),
		("POST", "/api/v2/method/run_doc_method", {"document": '{"doctype": "Customer Order"}'}, True),
		(
			"POST",
			"/api/method/frappe.desk.form.save.savedocs",
			{"doc": '{"doctype": "Customer Order"}'},
			True,
		),
		("POST", "/api/v2/method/frappe.client.cancel", {"doctype": "Customer Order"}, True),
		("POST", "/api/method/run_doc_method", {"dt": "Customer Order", "method": "submit"}, True),
		("POST", "/api/method/run_doc_method", {"docs": '{"doctype": "Customer Order"}'}, True),
		("POST", "/api/method/frappe.client.submit", {"doc": "not json"}, False),
		("POST", "/api/method/order_mgmt.api.stock.reserve", {"name": "CO-0001"}, False),
	],
)
def test_frappes_own_routes_for_an_order_are_told_apart(method, path, form, expected):
	"""Which requests are Frappe's own route writing a Customer Order (`transactions.read_committed_for`
	starts only their transaction again)."""
	saved = frappe.local.form_dict
	cmd = path.removeprefix("/api/method/") if path.startswith("/api/method/") else None
	frappe.local.form_dict = frappe._dict(form, **({"cmd": cmd} if cmd else {}))
	try:
		with frappes_route(method, path):
			assert transactions._is_frappes_route_for("Customer Order") is expected
	finally:
		frappe.local.form_dict = saved


def _isolation() -> str:
	row = frappe.db.sql(
		"show session variables where variable_name in ('tx_isolation', 'transaction_isolation')"
	)
	return row[0][1]


def test_the_request_reads_as_before_once_done_and_keeps_what_was_queued_for_the_commit(made):
	"""The transaction started again for an order sent confirmed keeps the callbacks queued for its commit
	before it, and the connection's next transaction reads as before (REPEATABLE READ)."""
	item, customer = make_item(price=10), make_customer()
	made.items.append(item)
	made.customers.append(customer)
	ran = []
	frappe.db.commit()
	frappe.db.after_commit.add(lambda: ran.append("queued before"))
	with frappes_route("POST", "/api/resource/Customer Order"):
		order = make_order(customer=customer, items=[{"item_code": item, "qty": 1}], save=False)
		order.docstatus = 1
		order.insert()
		assert transactions.reads_committed() and _isolation() == "READ-COMMITTED"
		frappe.db.commit()
	made.orders.append(order.name)
	assert ran == ["queued before"]
	assert not transactions.reads_committed() and _isolation() == "REPEATABLE-READ"


def test_an_order_sent_confirmed_with_its_own_rate_gets_what_a_draft_gets(made):
	"""A rate the client sets on a line is ERPNext's to accept, the same for an order sent confirmed as for a
	draft confirmed later (the price list rate stays ERPNext's, the discount follows from the rate)."""
	item, customer = make_item(price=100), make_customer()
	made.items.append(item)
	made.customers.append(customer)
	lines = [{"item_code": item, "qty": 2, "rate": 80}]

	draft = make_order(customer=customer, items=lines)
	made.orders.append(draft.name)
	order_api.confirm(draft.name)
	draft.reload()
	sent, _ = _send_confirmed(customer, lines)
	made.orders.append(sent.name)

	assert _figures(sent) == _figures(draft)
	assert (flt(sent.items[0].price_list_rate), flt(sent.items[0].rate), flt(sent.net_total)) == (
		100,
		80,
		160,
	)
	_sales_order_agrees(sent)


def test_an_order_sent_confirmed_that_cannot_be_confirmed_leaves_nothing(made):
	"""Refused (a line without a delivery date, on an order without one): no order, no Sales Order, and the
	connection reads as before."""
	item, customer = make_item(price=10), make_customer()
	made.items.append(item)
	made.customers.append(customer)
	frappe.db.commit()
	with frappes_route("POST", "/api/resource/Customer Order"):
		order = make_order(customer=customer, items=[{"item_code": item, "qty": 1}], save=False)
		order.delivery_date = None
		order.docstatus = 1
		with pytest.raises(frappe.ValidationError, match="set a delivery date"):
			order.insert()
		frappe.db.rollback()  # as Frappe ends a refused request
	assert not frappe.db.exists("Customer Order", {"customer": customer})
	assert not frappe.db.exists("Sales Order", {"customer": customer})
	assert not transactions.reads_committed() and _isolation() == "REPEATABLE-READ"
