"""ERPNext stays ERPNext (R5, issue 24): outside its orders the app refuses nothing ERPNext allows.

A delivery beyond the stock is ERPNext's to allow or refuse (Stock Settings → Allow Negative Stock, its own
checks and messages); the app refuses only a delivery that would take goods reserved for another order —
with either value of the setting. The documents are ERPNext's own, made with its mappers."""

import frappe
import pytest
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice
from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry
from erpnext.stock.stock_ledger import NegativeStockError
from frappe.utils import add_days, nowdate

from order_mgmt.api import stock as stock_api
from tests.integration.erp_docs import confirmed_order
from tests.integration.factories import add_stock, company, make_customer, make_item, refused, warehouse

REFUSED_BY_APP = "reserved for other orders"


@pytest.fixture(params=[1, 0], ids=["negative-stock-allowed", "negative-stock-not-allowed"])
def negative_stock(request):
	"""Stock Settings → Allow Negative Stock set for the test (ERPNext caches the value per connection)."""
	_set_negative_stock(request.param)
	yield request.param
	frappe.db.rollback()
	_set_negative_stock(None)


@pytest.fixture
def negative_stock_allowed():
	_set_negative_stock(1)
	yield
	frappe.db.rollback()
	_set_negative_stock(None)


@pytest.fixture
def negative_stock_not_allowed():
	_set_negative_stock(0)
	yield
	frappe.db.rollback()
	_set_negative_stock(None)


def _set_negative_stock(value):
	if value is not None:
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", value)
	frappe.db.value_cache.pop("Stock Settings", None)
	frappe.clear_document_cache("Stock Settings", "Stock Settings")


def plain_sales_order(item, qty, reserve=False):
	"""A submitted Sales Order of ERPNext, not a Customer Order's (`reserve`: ERPNext's own Reserve Stock)."""
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": make_customer(),
			"company": company(),
			"transaction_date": nowdate(),
			"delivery_date": add_days(nowdate(), 5),
			"set_warehouse": warehouse(),
			"reserve_stock": 1 if reserve else 0,
			"items": [
				{
					"item_code": item,
					"qty": qty,
					"rate": 10,
					"warehouse": warehouse(),
					"delivery_date": add_days(nowdate(), 5),
				}
			],
		}
	)
	so.insert()
	so.submit()
	return so


def delivery_note(sales_order, qty):
	dn = make_delivery_note(sales_order)
	dn.items[0].qty = qty
	dn.insert()
	return dn


def bin_qty(item):
	return frappe.db.get_value(
		"Bin", {"item_code": item, "warehouse": warehouse()}, ["actual_qty", "reserved_stock"], as_dict=True
	)


def test_a_plain_sales_order_is_delivered_beyond_stock_when_erpnext_allows_negative_stock(
	negative_stock_allowed,
):
	"""ERPNext's test_reserved_qty_for_over_delivery, without its fixtures: nothing is reserved for anybody."""
	item = make_item(price=10)
	add_stock(item, 10)
	so = plain_sales_order(item, 15)

	dn = delivery_note(so.name, 15)
	dn.submit()

	assert dn.docstatus == 1
	assert bin_qty(item).actual_qty == -5
	so.reload()
	assert (so.per_delivered, so.status) == (100, "To Bill")


def test_an_item_that_allows_negative_stock_is_delivered_beyond_stock(negative_stock_not_allowed):
	"""The item's own *Allow Negative Stock* (Item master; the site's setting off, stock reservation on)."""
	item = make_item(price=10, allow_negative_stock=1)
	add_stock(item, 2)
	so = plain_sales_order(item, 3)

	delivery_note(so.name, 3).submit()

	assert bin_qty(item).actual_qty == -1


def test_a_plain_sales_order_beyond_stock_gets_erpnexts_own_refusal_when_negative_stock_is_not_allowed(
	negative_stock_not_allowed,
):
	item = make_item(price=10)
	add_stock(item, 10)
	so = plain_sales_order(item, 15)
	dn = delivery_note(so.name, 15)

	with refused(NegativeStockError, match="needed in"):
		dn.submit()
	assert bin_qty(item).actual_qty == 10


def test_an_order_with_its_own_reservation_is_delivered_beyond_stock_when_erpnext_allows_it(
	negative_stock_allowed,
):
	"""Its own reserved goods are no other order's: the rest is ERPNext's decision."""
	item = make_item(price=10)
	add_stock(item, 10)
	order = confirmed_order([{"item_code": item, "qty": 15}])
	stock_api.reserve(order.name)
	assert bin_qty(item).reserved_stock == 10

	dn = delivery_note(order.sales_order, 15)
	dn.submit()

	assert (bin_qty(item).actual_qty, bin_qty(item).reserved_stock) == (-5, 0)


def test_an_invoice_and_a_stock_entry_beyond_stock_work_as_in_erpnext(negative_stock_allowed):
	item = make_item(price=10)
	add_stock(item, 2)
	si = make_sales_invoice(plain_sales_order(item, 3).name)
	si.update_stock = 1
	si.insert()
	si.submit()
	make_stock_entry(item_code=item, source=warehouse(), qty=4, company=company())

	assert bin_qty(item).actual_qty == -5


def test_a_delivery_that_would_take_another_orders_reserved_goods_is_refused(negative_stock):
	"""Six of the ten are reserved for a Customer Order: a plain Sales Order gets the other four, not one
	more — whether or not ERPNext allows negative stock."""
	item = make_item(price=10)
	add_stock(item, 10)
	order = confirmed_order([{"item_code": item, "qty": 6}])
	stock_api.reserve(order.name)
	so = plain_sales_order(item, 5)

	dn = delivery_note(so.name, 5)
	with refused(frappe.ValidationError, match=f"Only 4.0 of .* can be delivered .* 6.0 {REFUSED_BY_APP}"):
		dn.submit()
	assert (bin_qty(item).actual_qty, bin_qty(item).reserved_stock) == (10, 6)

	dn.reload()
	dn.items[0].qty = 4
	dn.save()
	dn.submit()
	assert (bin_qty(item).actual_qty, bin_qty(item).reserved_stock) == (6, 6)


def test_goods_erpnext_reserved_for_a_plain_sales_order_are_not_delivered_to_another(negative_stock):
	"""The reservation is ERPNext's own (Reserve Stock on a plain Sales Order): still another order's."""
	item = make_item(price=10)
	add_stock(item, 3)
	first = plain_sales_order(item, 3, reserve=True)
	assert bin_qty(item).reserved_stock == 3
	second = plain_sales_order(item, 1)

	dn = delivery_note(second.name, 1)
	with refused(frappe.ValidationError, match=REFUSED_BY_APP):
		dn.submit()

	# the first order's own delivery takes its reserved goods
	delivery_note(first.name, 3).submit()
	assert (bin_qty(item).actual_qty, bin_qty(item).reserved_stock) == (0, 0)


def test_a_credit_note_of_a_plain_invoice_that_took_an_advance_is_erpnexts_to_judge():
	"""The app drops the empty advance rows `make_sales_return` copies only on credit notes of its orders'
	invoices (test_money); on any other ERPNext's own validation answers, as without the app."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	so = plain_sales_order(make_item(price=10, stock_item=False), 3)
	pe = get_payment_entry("Sales Order", so.name, party_amount=10)
	pe.reference_no, pe.reference_date = "_T-ADV", nowdate()
	pe.insert()
	pe.submit()
	si = make_sales_invoice(so.name)
	si.allocate_advances_automatically = 1
	si.insert()
	si.submit()
	assert [a.reference_name for a in si.advances] == [pe.name]

	cn = make_sales_return(si.name)
	with refused(frappe.ValidationError, match="Reference Name should point to a valid Payment Entry"):
		cn.insert()


def test_installing_on_a_site_that_allows_negative_stock_leaves_erpnexts_settings_as_they_are(
	monkeypatch, capsys
):
	"""ERPNext refuses Stock Reservation while Allow Negative Stock is on (outside tests): the app's install
	goes on without reservations and says why, instead of failing or changing the site's setting."""
	from order_mgmt.setup.install import enable_stock_reservation

	frappe.db.set_single_value("Stock Settings", {"allow_negative_stock": 1, "enable_stock_reservation": 0})
	_set_negative_stock(None)
	monkeypatch.setitem(frappe.flags, "in_test", False)  # ERPNext's Stock Settings check skips tests
	if hasattr(frappe, "in_test"):
		monkeypatch.setattr(frappe, "in_test", False)  # Frappe v16's test mode
	try:
		enable_stock_reservation()
	finally:
		frappe.flags.in_test = True
	settings = frappe.get_doc("Stock Settings")
	assert (settings.allow_negative_stock, settings.enable_stock_reservation) == (1, 0)
	assert (
		"Stock reservation was not switched on: As Allow Negative Stock is enabled" in capsys.readouterr().out
	)
	frappe.db.rollback()
	_set_negative_stock(None)
