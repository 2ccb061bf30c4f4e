"""Work Orders count as booked when their parts are there (issue 28 item 7), on real Work Orders: with
transfer to work in progress and with backflush, a freshly submitted Work Order whose parts are in stock is
booked; Work Orders take turns per part and warehouse by planned start (those of no Customer Order too);
what is transferred or reserved for orders is no longer free. Three queries for any number of Work Orders."""

import frappe
from frappe.utils import add_days, nowdate

from order_mgmt.figures.work_order_parts import parts_booked
from tests.integration.factories import add_stock, company, counted_queries, make_bom, make_item, warehouse


def work_order(product, qty, start_days, backflush=False):
	wo = frappe.new_doc("Work Order")
	wo.production_item = product
	wo.bom_no = frappe.db.get_value("BOM", {"item": product, "is_default": 1})
	wo.qty = qty
	wo.company = company()
	wo.skip_transfer = 1 if backflush else 0
	wo.fg_warehouse = wo.source_warehouse = warehouse()
	# the parts move out of the store into work in progress when transferred
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	wo.wip_warehouse = f"Work In Progress - {abbr}"
	wo.planned_start_date = f"{add_days(nowdate(), start_days)} 08:00:00"
	wo.insert()
	for d in wo.required_items:
		d.source_warehouse = warehouse()
	wo.submit()
	return wo.name


def test_transfer_mode_parts_in_stock_are_booked_and_orders_take_turns():
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	product, part = make_item(price=50), make_item(price=2)
	make_bom(product, part, qty=1)
	add_stock(part, 6)
	later = work_order(product, 4, 3)
	first = work_order(product, 4, 1)  # created after, planned before: its turn comes first
	assert parts_booked([first, later]) == {first: True, later: False}

	# the first one's parts transferred for manufacture: it needs nothing more, 2 are left for the other
	entry = frappe.get_doc(make_stock_entry(first, "Material Transfer for Manufacture", 4))
	entry.insert()
	entry.submit()
	assert parts_booked([first, later]) == {first: True, later: False}
	add_stock(part, 2)
	assert parts_booked([first, later]) == {first: True, later: True}


def test_backflush_work_orders_take_turns_too():
	product, part = make_item(price=50), make_item(price=2)
	make_bom(product, part, qty=2)
	add_stock(part, 10)
	a = work_order(product, 3, 1, backflush=True)  # needs 6
	b = work_order(product, 2, 2, backflush=True)  # needs 4: 10 in stock cover both
	c = work_order(product, 1, 3, backflush=True)  # needs 2 more than there are
	assert parts_booked([a, b, c]) == {a: True, b: True, c: False}
	with counted_queries() as one:
		parts_booked([a])
	with counted_queries() as three:
		parts_booked([a, b, c])
	assert len(one) == len(three) == 3
