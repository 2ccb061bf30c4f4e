"""The order follows its ERPNext documents: reservation, shipment, invoice status and payment status."""

import frappe
import pytest
from frappe.utils import flt

from order_mgmt.api import billing as billing_api
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.figures import engine
from tests.integration.factories import (
	add_stock,
	counted_queries,
	make_item,
	make_order,
	make_user,
	refused,
	request_done,
)


def confirmed_order(item, qty, **kw):
	order = make_order(items=[{"item_code": item, "qty": qty}], **kw)
	order_api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def state(name):
	request_done()  # the user looks after their request ended
	order = frappe.get_doc("Customer Order", name)
	line = order.items[0]
	return frappe._dict(
		status=order.status,
		product_status=order.product_status,
		line_status=line.product_status,
		reserved=line.reserved_qty,
		delivered=line.delivered_qty,
		per_reserved=order.per_reserved,
		per_delivered=order.per_delivered,
		invoice_status=order.invoice_status,
		per_invoiced=order.per_invoiced,
		invoiced=order.invoiced_amount,
		payment_status=order.payment_status,
		per_paid=order.per_paid,
		outstanding=order.outstanding_amount,
		line=line.name,
		sales_order=order.sales_order,
		grand_total=order.rounded_total or order.grand_total,
	)


def test_the_whole_chain_and_every_cancel_reverses_its_step():
	item = make_item(price=10)
	add_stock(item, 6)
	order = confirmed_order(item, 10)
	s = state(order.name)
	# 6 in stock, 10 ordered, nothing planned: stock plus planned receipts cannot cover it
	assert (s.status, s.line_status, s.invoice_status, s.payment_status) == (
		"Confirmed",
		"Not enough",
		"Not invoiced",
		"Not paid",
	)

	# reserve: the six in stock are booked
	result = stock_api.reserve(order.name)
	assert result["reserved"] == {s.line: 6}
	s = state(order.name)
	assert (s.reserved, s.per_reserved, s.line_status, s.status) == (6, 60, "Not enough", "Confirmed")
	assert frappe.db.get_value("Bin", {"item_code": item}, "reserved_stock") == 6
	availability = stock_api.get_availability(order.name)[0]
	assert (
		availability["in_stock"],
		availability["reserved_for_order"],
		availability["available_to_sell"],
	) == (
		6,
		6,
		0,
	)

	# four more arrive: reserve the rest
	add_stock(item, 4)
	stock_api.reserve(order.name)
	s = state(order.name)
	assert (s.reserved, s.per_reserved, s.line_status, s.status) == (
		10,
		100,
		"Ready for shipment",
		"Ready for Shipment",
	)

	# deliver four: part shipped, the order stays ready (six still booked)
	dn1 = stock_api.make_delivery_note(order.name, items=[{"line": s.line, "qty": 4}], submit=1)[
		"delivery_note"
	]
	s = state(order.name)
	assert (s.delivered, s.reserved, s.per_delivered, s.status) == (4, 6, 40, "Ready for Shipment")
	assert frappe.db.get_value("Bin", {"item_code": item}, ["actual_qty", "reserved_stock"]) == (6, 6)

	# deliver the rest: shipped
	dn2 = stock_api.make_delivery_note(order.name, submit=1)["delivery_note"]
	s = state(order.name)
	assert (s.delivered, s.reserved, s.per_delivered, s.line_status, s.product_status, s.status) == (
		10,
		0,
		100,
		"Delivered",
		"Delivered",
		"Shipped",
	)
	log = stock_api.get_shipping_log(order.name)
	assert sorted((r["delivery_note"], r["qty"]) for r in log) == sorted([(dn1, 4), (dn2, 6)])

	# invoice half, then the rest
	si1 = billing_api.make_sales_invoice(order.name, percent=50, submit=1)
	s = state(order.name)
	assert (s.invoice_status, s.per_invoiced, s.payment_status, s.outstanding) == (
		"Part invoiced",
		50,
		"Not paid",
		si1["grand_total"],
	)
	si2 = billing_api.make_sales_invoice(order.name, submit=1)
	s = state(order.name)
	assert (s.invoice_status, s.per_invoiced) == ("Invoiced", 100)
	assert flt(s.invoiced, 2) == flt(s.grand_total, 2)

	# pay 30 %, then the rest
	thirty = flt(s.invoiced * 0.3, 2)
	billing_api.record_payment(order.name, amount=thirty)
	s = state(order.name)
	assert (s.payment_status, s.per_paid, flt(s.outstanding, 2)) == (
		"Part paid",
		30,
		flt(s.invoiced - thirty, 2),
	)
	rest = billing_api.record_payment(order.name)
	s = state(order.name)
	assert (s.payment_status, s.per_paid, s.outstanding) == ("Paid", 100, 0)
	assert billing_api.customer_debt(order.customer)["outstanding_amount"] == 0

	# cancel the last payment: part paid again
	for pe in rest["payment_entries"]:
		frappe.get_doc("Payment Entry", pe).cancel()
	s = state(order.name)
	assert (s.payment_status, s.per_paid) == ("Part paid", 30)
	debt = billing_api.customer_debt(order.customer)
	assert [o["name"] for o in debt["orders"]] == [order.name]
	assert flt(debt["outstanding_amount"], 2) == flt(s.outstanding, 2)

	# cancel the first payment and the second invoice: not paid, half invoiced again
	for pe in frappe.get_all(
		"Payment Entry Reference",
		filters={"reference_doctype": "Sales Invoice", "docstatus": 1},
		or_filters={"reference_name": ("in", [si1["sales_invoice"], si2["sales_invoice"]])},
		pluck="parent",
		distinct=True,
	):
		frappe.get_doc("Payment Entry", pe).cancel()
	s = state(order.name)
	assert (s.payment_status, s.per_paid) == ("Not paid", 0)
	frappe.get_doc("Sales Invoice", si2["sales_invoice"]).cancel()
	s = state(order.name)
	assert (s.invoice_status, s.per_invoiced) == ("Part invoiced", 50)

	# cancel the second delivery: back to ready, its six booked again
	frappe.get_doc("Delivery Note", dn2).cancel()
	s = state(order.name)
	assert (s.delivered, s.reserved, s.status, s.line_status) == (
		4,
		6,
		"Ready for Shipment",
		"Ready for shipment",
	)

	# release the reservation: not booked, confirmed
	stock_api.release(order.name)
	s = state(order.name)
	assert (s.reserved, s.status, s.line_status) == (0, "Confirmed", "Not booked")


def test_a_second_order_cannot_take_the_first_orders_reserved_units():
	item = make_item(price=10)
	add_stock(item, 10)
	first = confirmed_order(item, 10)
	second = confirmed_order(item, 5)
	stock_api.reserve(first.name)

	with refused(frappe.ValidationError, match="Nothing could be reserved"):
		stock_api.reserve(second.name)
	with refused(frappe.ValidationError, match="more than is free"):
		stock_api.reserve(second.name, items=[{"line": second.items[0].name, "qty": 1}])
	with refused(frappe.ValidationError, match="reserved for other orders|needed in"):
		stock_api.make_delivery_note(second.name, submit=1)
	assert frappe.db.get_value("Bin", {"item_code": item}, ["actual_qty", "reserved_stock"]) == (10, 10)
	assert state(second.name).reserved == 0


def test_reserving_more_than_is_free_is_refused_and_nothing_changes():
	item = make_item(price=10)
	add_stock(item, 3)
	order = confirmed_order(item, 10)
	line = order.items[0].name
	with refused(frappe.ValidationError, match="more than is free"):
		stock_api.reserve(order.name, items=[{"line": line, "qty": 4}])
	with refused(frappe.ValidationError, match="more than the line still needs"):
		stock_api.reserve(order.name, items=[{"line": line, "qty": 11}])
	assert state(order.name).reserved == 0
	assert not frappe.db.exists("Stock Reservation Entry", {"item_code": item, "docstatus": 1})


def test_erpnexts_own_reserve_cannot_overbook_either():
	"""A reservation made outside the app (ERPNext's Stock Reservation Entry) is checked under the lock."""
	item = make_item(price=10)
	add_stock(item, 2)
	first = confirmed_order(item, 2)
	second = confirmed_order(item, 2)
	stock_api.reserve(first.name)
	sre = frappe.get_doc(
		{
			"doctype": "Stock Reservation Entry",
			"item_code": item,
			"warehouse": second.items[0].warehouse,
			"voucher_type": "Sales Order",
			"voucher_no": second.sales_order,
			"voucher_detail_no": second.items[0].so_detail,
			"available_qty": 2,  # what a stale read would have seen
			"voucher_qty": 2,
			"reserved_qty": 2,
			"company": second.company,
			"stock_uom": "Nos",
		}
	)
	with refused(frappe.ValidationError):
		sre.insert()
		sre.submit()
	assert frappe.db.get_value("Bin", {"item_code": item}, "reserved_stock") == 2


@pytest.mark.parametrize("when", ["draft", "canceled"])
def test_no_reservation_delivery_invoice_or_payment_on_an_unconfirmed_order(when):
	item = make_item(price=10)
	add_stock(item, 5)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	if when == "canceled":
		order_api.confirm(order.name)
		order_api.cancel(order.name)
	for action in (
		lambda: stock_api.reserve(order.name),
		lambda: stock_api.make_delivery_note(order.name),
		lambda: billing_api.make_sales_invoice(order.name),
		lambda: billing_api.record_payment(order.name, amount=5),
	):
		with refused(frappe.ValidationError, match="Only a confirmed order"):
			action()
	assert not frappe.db.exists("Stock Reservation Entry", {"item_code": item, "docstatus": 1})


def test_cancel_releases_the_reservations():
	item = make_item(price=10)
	add_stock(item, 5)
	order = confirmed_order(item, 5)
	stock_api.reserve(order.name)
	order_api.cancel(order.name)
	assert frappe.db.get_value("Bin", {"item_code": item}, "reserved_stock") == 0
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Canceled"


def test_releasing_what_is_not_reserved_is_refused():
	item = make_item(price=10)
	order = confirmed_order(item, 5)
	with refused(frappe.ValidationError, match="Nothing is reserved"):
		stock_api.release(order.name)


def test_delivering_more_than_ordered_is_refused():
	item = make_item(price=10)
	add_stock(item, 20)
	order = confirmed_order(item, 10)
	with refused(frappe.ValidationError):
		stock_api.make_delivery_note(order.name, items=[{"line": order.items[0].name, "qty": 11}], submit=1)
	assert state(order.name).delivered == 0


def test_paying_more_than_is_owed_is_refused():
	item = make_item(price=10)
	add_stock(item, 2)
	order = confirmed_order(item, 2)
	billing_api.make_sales_invoice(order.name, submit=1)
	owed = state(order.name).outstanding
	with refused(frappe.ValidationError, match="more than that"):
		billing_api.record_payment(order.name, amount=owed + 1)
	assert state(order.name).payment_status == "Not paid"


def test_an_advance_before_invoicing_counts_as_paid():
	item = make_item(price=10)
	order = confirmed_order(item, 10)
	billing_api.record_payment(order.name, amount=flt(state(order.name).grand_total * 0.2, 2))
	s = state(order.name)
	assert (s.invoice_status, s.payment_status, s.per_paid) == ("Not invoiced", "Part paid", 20)


def test_a_credit_note_does_not_count_as_invoicing():
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	item = make_item(price=10)
	add_stock(item, 4)
	order = confirmed_order(item, 4)
	stock_api.make_delivery_note(order.name, submit=1)
	si = billing_api.make_sales_invoice(order.name, percent=50, submit=1)["sales_invoice"]
	credit = make_sales_return(si)
	credit.insert()
	credit.submit()
	s = state(order.name)
	assert (s.invoice_status, s.per_invoiced) == ("Part invoiced", 50)


def test_permissions_of_the_actions():
	item = make_item(price=10)
	add_stock(item, 2)
	order = confirmed_order(item, 2)
	accounts_user, outsider = make_user("Accounts User"), make_user("Translator")
	frappe.set_user(accounts_user)
	assert stock_api.get_availability(order.name)[0]["in_stock"] == 2
	for action in (
		lambda: stock_api.reserve(order.name),
		lambda: stock_api.make_delivery_note(order.name),
		lambda: billing_api.make_sales_invoice(order.name),
		lambda: billing_api.record_payment(order.name, amount=1),
	):
		with refused(frappe.PermissionError):
			action()
	frappe.set_user(outsider)
	with refused(frappe.DoesNotExistError):  # not revealed to a user who may not read it
		stock_api.get_availability(order.name)
	with refused(frappe.PermissionError):
		billing_api.customer_debt(order.customer)


def test_recompute_runs_a_constant_number_of_queries():
	def count_for(lines):
		items = [{"item_code": make_item(price=5), "qty": 2} for _ in range(lines)]
		order = make_order(items=items)
		order_api.confirm(order.name)
		frappe.db.set_value("Customer Order", order.name, "product_status", "")  # force a write
		frappe.local.flags.pop("order_mgmt_probabilities", None)  # both runs read the settings
		with counted_queries() as queries:
			changed = engine.recompute([order.name])
		assert changed[order.name]["product_status"] == "Not enough"  # nothing in stock or planned
		return len(queries)

	count_for(1)  # warm the caches (doctype meta) once
	small, large = count_for(2), count_for(25)
	assert small == large, (small, large)
	assert small < 25


def test_a_line_reserved_in_two_steps_shows_all_of_it_reserved_for_its_order():
	"""Two reservation entries on one line (2 in stock, then 3 more): every place that shows the line's
	reservation sums them — the order's figures, its availability panel, and what is left for others."""
	item = make_item(price=10)
	add_stock(item, 2)
	order = confirmed_order(item, 5)
	stock_api.reserve(order.name)
	add_stock(item, 3)
	stock_api.reserve(order.name)
	assert frappe.db.count("Stock Reservation Entry", {"item_code": item, "docstatus": 1}) == 2
	line = stock_api.get_availability(order.name)[0]
	assert (line["in_stock"], line["reserved_for_order"], line["reserved_for_others"]) == (5, 5, 0)
	assert line["available_to_sell"] == 0
	assert state(order.name).reserved == 5
