"""Customer Order from quotation to a confirmed ERPNext Sales Order, and back to canceled."""

import frappe
import pytest
from frappe.utils import add_days, flt, nowdate

from order_mgmt.api import customer_order as api
from tests.integration.factories import (
	add_stock,
	company,
	make_customer,
	make_item,
	make_order,
	make_pricing_rule,
	make_tax_template,
	make_user,
	refused,
	request_done,
)


def so_count(order_name):
	return frappe.db.count("Sales Order", {"customer_order": order_name})


# --- pricing ---------------------------------------------------------------------------------------


def test_prices_discounts_and_taxes_are_erpnexts():
	item = make_item(price=40)
	make_pricing_rule(item, 10)
	order = make_order(items=[{"item_code": item, "qty": 3}], taxes_and_charges=make_tax_template(6))

	line = order.items[0]
	assert line.price_list_rate == 40
	assert line.discount_percentage == 10
	assert line.rate == 36
	assert line.amount == 108
	assert order.total == 108
	assert order.total_taxes_and_charges == flt(6.48)
	assert order.grand_total == flt(114.48)
	assert order.taxes[0].description == "VAT 6%"
	assert order.status == "Quotation"
	assert order.name.startswith(f"CO-{nowdate()[:4]}-")


def test_a_rate_typed_by_the_user_is_kept_and_repricing_is_stable():
	item = make_item(price=50)
	order = make_order(items=[{"item_code": item, "qty": 2, "rate": 45}])
	assert order.items[0].rate == 45
	assert order.items[0].price_list_rate == 50
	assert order.total == 90
	grand_total = order.grand_total
	order.save()  # priced again: same figures
	assert (order.total, order.grand_total) == (90, grand_total)


def test_discount_typed_on_a_line_and_additional_discount():
	item = make_item(price=200)
	order = make_order(items=[{"item_code": item, "qty": 1, "discount_percentage": 25}])
	assert order.items[0].rate == 150
	order.apply_discount_on = "Net Total"
	order.additional_discount_percentage = 10
	order.save()
	assert order.total == 150
	assert order.discount_amount == 15
	assert order.net_total == 135


def test_changing_the_item_of_a_line_prices_it_afresh():
	cheap, dear = make_item(price=10), make_item(price=99)
	order = make_order(items=[{"item_code": cheap, "qty": 1}])
	order.items[0].item_code = dear
	order.save()
	assert order.items[0].rate == 99
	assert order.total == 99


# --- confirm ---------------------------------------------------------------------------------------


def test_confirm_creates_the_submitted_sales_order_with_the_same_figures():
	item = make_item(price=40)
	make_pricing_rule(item, 10)
	second = make_item(price=7.35)
	later = add_days(nowdate(), 20)
	order = make_order(
		items=[{"item_code": item, "qty": 3}, {"item_code": second, "qty": 7, "delivery_date": later}],
		taxes_and_charges=make_tax_template(6),
	)
	summary = api.confirm(order.name)

	order.reload()
	assert summary["status"] == order.status == "Confirmed"
	assert order.docstatus == 1
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert so.docstatus == 1
	assert so.customer_order == order.name
	assert so.customer == order.customer
	assert flt(so.grand_total, 2) == flt(order.grand_total, 2) == flt(114.48 + 7 * 7.35 * 1.06, 2)
	assert so.taxes_and_charges == order.taxes_and_charges
	assert [(d.item_code, d.qty, d.rate, str(d.delivery_date)) for d in so.items] == [
		(d.item_code, d.qty, d.rate, str(d.delivery_date)) for d in order.items
	]
	assert str(so.items[1].delivery_date) == later
	assert [d.so_detail for d in order.items] == [d.name for d in so.items]
	assert summary["sales_order"] == so.name


def test_confirm_keeps_the_prices_the_order_was_saved_with():
	"""As an ERPNext Sales Order keeps its prices on submit: a price list changed after the save does not
	change the confirmed order or its Sales Order; saving the draft again would."""
	item = make_item(price=40)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	frappe.db.set_value("Item Price", {"item_code": item}, "price_list_rate", 55)
	api.confirm(order.name)
	order.reload()
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert (order.items[0].rate, so.items[0].rate, flt(so.grand_total)) == (40, 40, flt(order.grand_total))


def test_confirming_twice_makes_no_second_sales_order():
	order = make_order()
	api.confirm(order.name)
	with refused(frappe.ValidationError, match="already"):
		api.confirm(order.name)
	assert so_count(order.name) == 1


def test_confirm_without_items_is_refused_and_nothing_changes():
	order = make_order(items=[])
	with refused(frappe.ValidationError, match="at least one item"):
		api.confirm(order.name)
	order.reload()
	assert order.docstatus == 0 and order.status == "Quotation"
	assert so_count(order.name) == 0


def test_confirm_without_any_delivery_date_is_refused():
	order = make_order(delivery_date=None)
	with refused(frappe.ValidationError, match="delivery date"):
		api.confirm(order.name)
	assert frappe.db.get_value("Customer Order", order.name, "docstatus") == 0
	assert so_count(order.name) == 0


def test_a_failing_sales_order_rolls_the_confirmation_back():
	"""ERPNext refuses the Sales Order (the customer's credit limit): the order stays a draft."""
	customer = make_customer(credit_limits=[{"company": company(), "credit_limit": 1}])
	order = make_order(customer=customer)
	with refused(frappe.ValidationError, match="[Cc]redit limit"):
		api.confirm(order.name)
	assert frappe.db.get_value("Customer Order", order.name, ["docstatus", "status"]) == (0, "Quotation")
	assert so_count(order.name) == 0


# --- pipeline --------------------------------------------------------------------------------------


def test_manual_moves_of_a_draft():
	order = make_order()
	assert api.set_status(order.name, "Waiting for Confirmation")["status"] == "Waiting for Confirmation"
	assert api.set_status(order.name, "Quotation")["status"] == "Quotation"
	api.set_status(order.name, "Waiting for Confirmation")
	assert api.confirm(order.name)["status"] == "Confirmed"


@pytest.mark.parametrize("target", ["Confirmed", "Shipped", "Ready for Shipment", "Delivered", "Archived"])
def test_a_move_not_in_the_table_is_refused(target):
	order = make_order()
	with refused(frappe.ValidationError):
		api.set_status(order.name, target)
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Quotation"


def test_a_new_order_cannot_start_in_a_later_status():
	with refused(frappe.ValidationError, match="starts as"):
		make_order(status="Shipped")


def test_delivered_only_after_shipped():
	order = make_order()
	api.confirm(order.name)
	with refused(frappe.ValidationError, match="only after it is Shipped"):
		api.complete(order.name)
	with refused(frappe.ValidationError, match="automatically"):
		api.set_status(order.name, "Shipped")
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Confirmed"


# --- cancel ----------------------------------------------------------------------------------------


def test_cancel_cancels_the_sales_order_and_cannot_be_undone():
	order = make_order()
	api.confirm(order.name)
	so_name = frappe.db.get_value("Customer Order", order.name, "sales_order")

	assert api.cancel(order.name)["status"] == "Canceled"
	assert frappe.db.get_value("Sales Order", so_name, "docstatus") == 2
	order.reload()
	assert order.docstatus == 2

	with refused(frappe.ValidationError, match="cannot be restored"):
		api.set_status(order.name, "Confirmed")
	with refused(frappe.ValidationError):
		api.confirm(order.name)
	order.reload()
	order.status = "Confirmed"
	with refused(frappe.ValidationError):
		order.save()
	assert frappe.db.get_value("Customer Order", order.name, ["status", "docstatus"]) == ("Canceled", 2)


def test_amend_makes_a_new_draft_order():
	order = make_order()
	api.confirm(order.name)
	api.cancel(order.name)
	amended = frappe.copy_doc(frappe.get_doc("Customer Order", order.name), ignore_no_copy=False)
	amended.amended_from = order.name
	amended.docstatus = 0  # as the form's Amend does
	amended.insert()
	assert amended.name == f"{order.name}-1"
	assert amended.status == "Quotation" and amended.docstatus == 0
	assert not amended.sales_order
	assert not any(d.so_detail for d in amended.items)
	api.confirm(amended.name)
	assert frappe.db.get_value("Sales Order", {"customer_order": amended.name}, "docstatus") == 1


def test_cancel_is_refused_once_the_sales_order_is_delivered():
	item = make_item(price=10)
	add_stock(item, 5)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	api.confirm(order.name)
	order.reload()
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	make_delivery_note(order.sales_order).submit()
	request_done()
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Shipped"
	with refused(frappe.ValidationError, match="already delivered"):
		api.cancel(order.name)
	assert frappe.db.get_value("Customer Order", order.name, ["status", "docstatus"]) == ("Shipped", 1)
	assert frappe.db.get_value("Sales Order", order.sales_order, "docstatus") == 1


# --- bad input: a clear error, nothing saved --------------------------------------------------------


def _refused(match, **order_kw):
	before = frappe.db.count("Customer Order")
	with refused(frappe.ValidationError, match=match):
		make_order(**order_kw)
	assert frappe.db.count("Customer Order") == before


@pytest.mark.parametrize("qty", [0, -1])
def test_qty_must_be_positive(qty):
	_refused("Quantity must be greater than 0", items=[{"item_code": make_item(price=5), "qty": qty}])


def test_negative_rate():
	_refused("Rate cannot be negative", items=[{"item_code": make_item(price=5), "qty": 1, "rate": -1}])


@pytest.mark.parametrize("discount", [101, -5])
def test_discount_out_of_range(discount):
	_refused(
		"Discount must be between 0 and 100",
		items=[{"item_code": make_item(price=5), "qty": 1, "discount_percentage": discount}],
	)


def test_unknown_item():
	_refused("Could not find|does not exist", items=[{"item_code": "_T-NO-SUCH-ITEM", "qty": 1}])


def test_disabled_item():
	_refused("disabled", items=[{"item_code": make_item(price=5, disabled=1), "qty": 1}])


def test_disabled_customer():
	_refused("Customer .* is disabled", customer=make_customer(disabled=1))


def test_delivery_date_before_order_date():
	_refused("before the order date", delivery_date=add_days(nowdate(), -1))
	_refused(
		"Row 1: the delivery date",
		items=[{"item_code": make_item(price=5), "qty": 1, "delivery_date": add_days(nowdate(), -3)}],
	)


def test_period_ends_before_it_starts():
	_refused("ends", period_from=add_days(nowdate(), 5), period_to=nowdate())


def test_bad_edit_of_a_saved_order_changes_nothing():
	order = make_order()
	order.items[0].qty = 0
	with refused(frappe.ValidationError):
		order.save()
	assert frappe.db.get_value("Customer Order Item", {"parent": order.name}, "qty") == 1


# --- permissions -----------------------------------------------------------------------------------


def test_order_user_may_confirm_but_not_cancel():
	user = make_user("Order User")
	order = make_order(order_manager=user)
	frappe.set_user(user)
	api.confirm(order.name)
	with refused(frappe.PermissionError):
		api.cancel(order.name)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Confirmed"


def test_a_user_without_an_order_role_can_do_nothing():
	order = make_order()
	user = make_user("Translator")  # a desk role with no right on orders (v16 has no Blogger)
	frappe.set_user(user)
	for call in (
		lambda: api.status_summary(order.name),
		lambda: api.confirm(order.name),
		lambda: api.set_status(order.name, "Waiting for Confirmation"),
	):
		# the order is not revealed: the same answer as for an order that does not exist
		with refused(frappe.DoesNotExistError):
			call()
	with refused(frappe.DoesNotExistError):
		api.status_summary("CO-NO-SUCH-ORDER")
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Customer Order", order.name, ["status", "docstatus"]) == ("Quotation", 0)


def test_read_only_roles_can_read_but_not_change():
	order = make_order()
	frappe.set_user(make_user("Accounts User"))
	assert api.status_summary(order.name)["status"] == "Quotation"
	with refused(frappe.PermissionError):
		api.set_status(order.name, "Waiting for Confirmation")


def test_install_is_idempotent():
	from order_mgmt.setup import install

	field = frappe.get_doc("Custom Field", {"dt": "Sales Order", "fieldname": "customer_order"})
	install.after_migrate()
	install.after_migrate()
	assert frappe.db.count("Custom Field", {"dt": "Sales Order", "fieldname": "customer_order"}) == 1
	assert frappe.get_doc("Custom Field", field.name).modified == field.modified
	assert frappe.db.exists("Role", "Order Manager") and frappe.db.exists("Role", "Order User")


def test_update_items_on_the_sales_order_flows_back():
	import json

	from erpnext.controllers.accounts_controller import update_child_qty_rate

	first, second = make_item(price=10), make_item(price=4)
	order = make_order(items=[{"item_code": first, "qty": 2}])
	api.confirm(order.name)
	order.reload()
	so_line = order.items[0].so_detail
	update_child_qty_rate(
		"Sales Order",
		json.dumps(
			[
				{"docname": so_line, "item_code": first, "qty": 5, "rate": 9, "conversion_factor": 1},
				{
					"item_code": second,
					"qty": 3,
					"rate": 4,
					"conversion_factor": 1,
					"delivery_date": str(order.delivery_date),
				},
			]
		),
		order.sales_order,
	)
	order.reload()
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert [(d.item_code, d.qty, d.rate) for d in order.items] == [(first, 5, 9), (second, 3, 4)]
	assert [d.so_detail for d in order.items] == [d.name for d in so.items]
	assert order.total == 57
	assert flt(order.grand_total, 2) == flt(so.grand_total, 2)
