"""Pricing as ERPNext prices (issue 15, item 5): free-item (product discount) pricing rules, and taxes as
on a Sales Order (the company's default only for a new order without taxes, the customer's Tax Rule and
Tax Category, tax-exempt orders)."""

import frappe
from frappe.utils import flt

from order_mgmt.api import customer_order as api
from tests.integration.factories import (
	company,
	make_customer,
	make_item,
	make_order,
	make_tax_template,
)


def make_free_item_rule(item_code: str, free_item: str | None = None, free_qty: float = 1, min_qty=0) -> str:
	"""A "buy X, get Y free" rule (product discount); `free_item` None: the same item free."""
	return (
		frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": f"_T free with {item_code} {frappe.generate_hash(length=6)}",
				"apply_on": "Item Code",
				"items": [{"item_code": item_code}],
				"selling": 1,
				"company": company(),
				"price_or_product_discount": "Product",
				"min_qty": min_qty,
				"same_item": 0 if free_item else 1,
				"free_item": free_item,
				"free_qty": free_qty,
			}
		)
		.insert()
		.name
	)


def lines(doc):
	return sorted((d.item_code, flt(d.qty), flt(d.rate), d.is_free_item or 0) for d in doc.items)


def test_a_free_item_rule_adds_its_line_and_confirm_carries_it():
	bought, gift = make_item(price=40), make_item(price=15)
	rule = make_free_item_rule(bought, gift, free_qty=2)
	order = make_order(items=[{"item_code": bought, "qty": 5}])

	assert lines(order) == sorted([(bought, 5, 40, 0), (gift, 2, 0, 1)])
	free = next(d for d in order.items if d.is_free_item)
	assert free.pricing_rules == rule
	assert order.total == 200

	# saving again changes nothing: the free line is ERPNext's, matched by item and rule, not added twice
	order.save()
	assert lines(order) == sorted([(bought, 5, 40, 0), (gift, 2, 0, 1)])
	# a client cannot change the free quantity: the rule decides it
	free = next(d for d in order.items if d.is_free_item)
	free.qty = 7
	order.save()
	assert lines(order) == sorted([(bought, 5, 40, 0), (gift, 2, 0, 1)])

	api.confirm(order.name)
	order.reload()
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert lines(so) == lines(order)
	so_lines = {d.name: d for d in so.items}
	for d in order.items:
		so_line = so_lines[d.so_detail]
		assert (so_line.item_code, so_line.is_free_item) == (d.item_code, d.is_free_item)
	assert flt(so.total, 2) == flt(order.total, 2) == 200
	assert flt(so.grand_total, 2) == flt(order.grand_total, 2)


def test_a_client_cannot_make_a_line_free_and_an_amended_order_gets_the_rules_line_once():
	bought, gift = make_item(price=40), make_item(price=15)
	make_free_item_rule(bought, gift)
	# a line claimed free without a rule giving it is the rule's to add: dropped
	order = make_order(
		items=[{"item_code": bought, "qty": 1}, {"item_code": gift, "qty": 3, "is_free_item": 1}]
	)
	assert lines(order) == sorted([(bought, 1, 40, 0), (gift, 1, 0, 1)])

	api.confirm(order.name)
	api.cancel(order.name)
	amended = frappe.copy_doc(frappe.get_doc("Customer Order", order.name), ignore_no_copy=False)
	amended.amended_from = order.name
	amended.docstatus = 0  # as the form's Amend does
	amended.insert()
	assert lines(amended) == sorted([(bought, 1, 40, 0), (gift, 1, 0, 1)])


def test_the_form_sees_the_free_line_before_saving():
	bought, gift = make_item(price=40), make_item(price=15)
	make_free_item_rule(bought, gift)
	# as the form starts a new order: with the site's defaults (the selling price list among them)
	order = make_order(
		items=[{"item_code": bought, "qty": 1}], selling_price_list="Standard Selling", save=False
	)
	order.price()  # what the form calls while the user edits
	assert lines(order) == sorted([(bought, 1, 40, 0), (gift, 1, 0, 1)])
	free = next(d for d in order.items if d.is_free_item)
	assert free.get("__islocal") and not free.name  # the form names the new row
	order.insert()
	assert lines(frappe.get_doc("Customer Order", order.name)) == lines(order)


def test_a_same_item_free_rule_keeps_the_paid_and_the_free_line_apart():
	item = make_item(price=10)
	make_free_item_rule(item, None, free_qty=1)
	order = make_order(items=[{"item_code": item, "qty": 3}])
	assert lines(order) == sorted([(item, 3, 10, 0), (item, 1, 0, 1)])
	api.confirm(order.name)
	order.reload()
	so = frappe.get_doc("Sales Order", order.sales_order)
	assert lines(so) == lines(order)
	paid = next(d for d in order.items if not d.is_free_item)
	assert frappe.db.get_value("Sales Order Item", paid.so_detail, "is_free_item") == 0


def _default_template(rate):
	name = make_tax_template(rate)
	frappe.db.set_value(
		"Sales Taxes and Charges Template", {"company": company(), "is_default": 1}, "is_default", 0
	)
	frappe.db.set_value("Sales Taxes and Charges Template", name, "is_default", 1)
	return name


def test_a_new_order_gets_the_company_default_and_a_tax_exempt_order_keeps_none():
	default = _default_template(10)
	item = make_item(price=100)
	order = make_order(items=[{"item_code": item, "qty": 1}])
	# a new order without taxes: the company's default template and its lines, as the desk form does
	assert order.taxes_and_charges == default
	assert (order.total_taxes_and_charges, order.grand_total) == (10, 110)

	# tax-exempt: template and lines cleared, and they stay cleared
	order.taxes_and_charges = None
	order.set("taxes", [])
	order.save()
	order.save()
	order.reload()
	assert (order.taxes_and_charges, len(order.taxes), order.grand_total) == (None, 0, 100)

	api.confirm(order.name)
	so = frappe.get_doc("Sales Order", frappe.db.get_value("Customer Order", order.name, "sales_order"))
	assert (len(so.taxes), flt(so.total_taxes_and_charges), flt(so.grand_total)) == (0, 0, 100)


def test_a_template_chosen_later_brings_its_lines_and_replaces_the_old_ones():
	_default_template(10)
	other = make_tax_template(5)
	order = make_order(items=[{"item_code": make_item(price=100), "qty": 1}])
	order.taxes_and_charges = other  # through REST, without clearing the lines (the form clears them)
	order.save()
	assert [t.description for t in order.taxes] == ["VAT 5%"]
	assert order.grand_total == 105


def test_a_customer_with_a_tax_rule_gets_its_template():
	_default_template(10)
	ruled = make_tax_template(7)
	category = frappe.get_doc({"doctype": "Tax Category", "title": f"_T {frappe.generate_hash(length=6)}"})
	category.insert()
	customer = make_customer(tax_category=category.name)
	frappe.get_doc(
		{
			"doctype": "Tax Rule",
			"tax_type": "Sales",
			"tax_category": category.name,
			"sales_tax_template": ruled,
			"company": company(),
			"use_for_shopping_cart": 0,
		}
	).insert()
	order = make_order(customer=customer, items=[{"item_code": make_item(price=100), "qty": 1}])
	assert order.taxes_and_charges == ruled
	assert [t.description for t in order.taxes] == ["VAT 7%"]
	assert order.grand_total == 107

	api.confirm(order.name)
	so = frappe.get_doc("Sales Order", frappe.db.get_value("Customer Order", order.name, "sales_order"))
	assert (so.taxes_and_charges, flt(so.grand_total)) == (ruled, 107)


def test_a_customer_rule_by_name_wins_over_the_company_default():
	_default_template(10)
	ruled = make_tax_template(3)
	customer = make_customer()
	frappe.get_doc(
		{
			"doctype": "Tax Rule",
			"tax_type": "Sales",
			"customer": customer,
			"sales_tax_template": ruled,
			"company": company(),
			"use_for_shopping_cart": 0,
		}
	).insert()
	order = make_order(customer=customer, items=[{"item_code": make_item(price=100), "qty": 1}])
	assert (order.taxes_and_charges, order.grand_total) == (ruled, 103)


def test_choosing_a_customer_with_a_tax_rule_on_a_saved_order_brings_its_template():
	_default_template(10)
	ruled = make_tax_template(3)
	customer = make_customer()
	frappe.get_doc(
		{
			"doctype": "Tax Rule",
			"tax_type": "Sales",
			"customer": customer,
			"sales_tax_template": ruled,
			"company": company(),
			"use_for_shopping_cart": 0,
		}
	).insert()
	order = make_order(items=[{"item_code": make_item(price=100), "qty": 1}])
	assert order.grand_total == 110
	order.customer = customer
	order.save()
	assert (order.taxes_and_charges, [t.description for t in order.taxes]) == (ruled, ["VAT 3%"])
	assert order.grand_total == 103
