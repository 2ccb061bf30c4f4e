"""R14/R15 on the server, in-process (the same rules over real HTTP: test_rest_permissions.py): derived
fields keep their computed values, links are what they claim, shares and assignments grant nothing the
rule denies, child rows only through their parent, and the Bin equals its reservation entries."""

import frappe
import pytest
from frappe.utils import flt

from order_mgmt.api import billing as billing_api
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.api import supply as supply_api
from order_mgmt.services.stock_guard import resync_reserved_stock
from tests.integration.factories import (
	add_stock,
	as_user,
	make_customer,
	make_item,
	make_order,
	make_user,
	refused,
	warehouse,
)

FULFIL_ROLES = ("Order User", "Stock User", "Accounts User", "Sales User")


@pytest.fixture
def people():
	return frappe._dict(
		manager=make_user(*FULFIL_ROLES),
		deputy=make_user(*FULFIL_ROLES),
		other=make_user(*FULFIL_ROLES),
		boss=make_user("Order Manager", "Stock User", "Accounts User", "Sales User"),
		sales=make_user("Sales User"),
	)


# --- who changes an order ----------------------------------------------------------------------------------


def test_the_creator_becomes_manager_and_only_order_users_are_named(people):
	items, customer = [{"item_code": make_item(price=10), "qty": 1}], make_customer()
	with as_user(people.manager):
		order = make_order(items=items, customer=customer)
		assert order.order_manager == people.manager
		order.deputy = people.sales  # not an Order User
		with refused(frappe.ValidationError, match="Order User"):
			order.save()
		order.reload()
		order.deputy = people.deputy
		order.save()
	assert frappe.db.get_value("Customer Order", order.name, "deputy") == people.deputy


def test_another_order_user_cannot_make_himself_manager_or_confirm(people):
	order = make_order(order_manager=people.manager, deputy=people.deputy)
	with as_user(people.other):
		doc = frappe.get_doc("Customer Order", order.name)
		doc.order_manager = people.other
		with refused(frappe.PermissionError):
			doc.save()
		with refused(frappe.PermissionError):
			order_api.confirm(order.name)
		with refused(frappe.PermissionError):
			order_api.set_status(order.name, "Waiting for Confirmation")
	assert frappe.db.get_value("Customer Order", order.name, ["order_manager", "docstatus"]) == (
		people.manager,
		0,
	)
	with as_user(people.deputy):  # the deputy may
		order_api.confirm(order.name)
	assert frappe.db.get_value("Customer Order", order.name, "docstatus") == 1


def test_read_only_roles_and_others_cannot_work_on_a_confirmed_order(people):
	item = make_item(price=10)
	add_stock(item, 5)
	order = make_order(items=[{"item_code": item, "qty": 2}], order_manager=people.manager)
	order_api.confirm(order.name)
	for user in (people.other, people.sales):
		with as_user(user):
			for action in (
				lambda: stock_api.reserve(order.name),
				lambda: stock_api.make_delivery_note(order.name),
				lambda: billing_api.make_sales_invoice(order.name),
				lambda: billing_api.record_payment(order.name, amount=1),
				lambda: order_api.complete(order.name),
			):
				with refused(frappe.PermissionError):
					action()
	with as_user(people.manager):
		assert stock_api.reserve(order.name)["reserved"]
	with as_user(people.boss):
		assert stock_api.release(order.name)["released"] == 1


# --- derived fields ------------------------------------------------------------------------------------------


FORGED_HEADER = {
	"payment_status": "Paid",
	"per_paid": 100,
	"paid_amount": 999,
	"invoice_status": "Invoiced",
	"per_invoiced": 100,
	"outstanding_amount": 0.5,
	"product_status": "Delivered",
	"per_delivered": 100,
	"profit_amount": 12345,
	"grand_total": 1,
	"customer_name": "<b>Forged</b>",
	"title": "Forged",
	"probability": 100,
	"completed_on": "2020-01-01",
}
FORGED_LINE = {
	"so_detail": "forged",
	"reserved_qty": 5,
	"delivered_qty": 5,
	"product_status": "Delivered",
	"amount": 1,
}


def test_derived_fields_of_a_new_order_are_computed(people):
	item, customer = make_item(price=100), make_customer()
	another = make_order()
	order_api.confirm(another.name)
	another_so = frappe.db.get_value("Customer Order", another.name, "sales_order")
	with as_user(people.manager):
		order = make_order(
			items=[{"item_code": item, "qty": 2, **FORGED_LINE}],
			customer=customer,
			sales_order=another_so,
			**FORGED_HEADER,
		)
	order = frappe.get_doc("Customer Order", order.name)
	assert (order.payment_status, order.invoice_status, flt(order.per_paid), flt(order.paid_amount)) == (
		"Not paid",
		"Not invoiced",
		0,
		0,
	)
	assert order.sales_order is None and order.completed_on is None
	assert (
		flt(order.total) == 200 and flt(order.grand_total) >= 200 and order.customer_name != "<b>Forged</b>"
	)
	assert order.title == order.customer_name
	line = order.items[0]
	assert (line.so_detail, flt(line.reserved_qty), flt(line.delivered_qty), flt(line.amount)) == (
		None,
		0,
		0,
		200,
	)


def test_derived_fields_typed_into_a_saved_order_are_restored(people):
	item = make_item(price=100)
	order = make_order(items=[{"item_code": item, "qty": 1}], order_manager=people.manager)
	order_api.confirm(order.name)
	another = make_order()
	order_api.confirm(another.name)
	before = frappe.get_doc("Customer Order", order.name)
	with as_user(people.manager):
		doc = frappe.get_doc("Customer Order", order.name)
		doc.update({k: v for k, v in FORGED_HEADER.items() if k not in ("grand_total", "customer_name")})
		doc.sales_order = frappe.db.get_value("Customer Order", another.name, "sales_order")
		doc.items[0].update(FORGED_LINE)
		doc.items[0].amount = before.items[0].amount  # not allowed after submit: ERPNext's own check
		doc.save()  # update after submit: the forged values are dropped, nothing else changes
	after = frappe.get_doc("Customer Order", order.name)
	for field in (*FORGED_HEADER, "sales_order"):
		assert after.get(field) == before.get(field), field
	for field in FORGED_LINE:
		assert after.items[0].get(field) == before.items[0].get(field), field


# --- links ---------------------------------------------------------------------------------------------------


def test_a_sales_order_cannot_claim_an_order(people):
	item = make_item(price=10)
	order = make_order(items=[{"item_code": item, "qty": 3}])
	order_api.confirm(order.name)
	grand_total = frappe.db.get_value("Customer Order", order.name, "grand_total")
	with as_user(people.sales):
		so = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": make_customer(),
				"company": order.company,
				"transaction_date": order.order_date,
				"delivery_date": order.delivery_date,
				"customer_order": order.name,
				"items": [{"item_code": item, "qty": 50, "warehouse": warehouse()}],
			}
		)
		with refused(frappe.ValidationError, match="only by confirming"):
			so.insert()
		so.customer_order = None
		so.insert()
		so.customer_order = order.name
		so.save()  # a saved Sales Order keeps the link it has
		assert frappe.db.get_value("Sales Order", so.name, "customer_order") is None
	assert frappe.db.get_value("Customer Order", order.name, "grand_total") == grand_total


def test_only_an_enabled_selling_price_list(people):
	buying = frappe.get_doc(
		{
			"doctype": "Price List",
			"price_list_name": f"_T Buying {frappe.generate_hash(length=6)}",
			"buying": 1,
			"selling": 0,
		}
	).insert()
	items, customer = [{"item_code": make_item(price=10), "qty": 1}], make_customer()
	with as_user(people.manager):
		with refused(frappe.ValidationError, match="selling price list"):
			make_order(items=items, customer=customer, selling_price_list=buying.name)


# --- shares and assignments ------------------------------------------------------------------------------------


def test_a_share_cannot_give_a_right_the_rule_denies(people):
	order = make_order(order_manager=people.manager)
	with as_user(people.boss):
		with refused(frappe.PermissionError):
			frappe.share.add("Customer Order", order.name, people.other, write=1)
		frappe.share.add("Customer Order", order.name, people.sales, read=1)  # reading is fine
	with as_user(people.manager):  # Order User has no share right
		with refused(frappe.PermissionError):
			frappe.share.add("Customer Order", order.name, people.other, write=1)
	assert not frappe.db.exists("DocShare", {"share_name": order.name, "write": 1})


def test_only_an_assignment_by_a_planner_lets_an_assignee_update_a_task(people):
	from frappe.desk.form import assign_to

	order = make_order(order_manager=people.manager)
	with as_user(people.manager):
		task = frappe.get_doc(
			{"doctype": "Task", "subject": "Install", "customer_order": order.name}
		).insert()
	with as_user(people.other):
		# assigning oneself, even naming the manager as the one who assigned, gives nothing
		assign_to.add(
			{"assign_to": [people.other], "doctype": "Task", "name": task.name, "assigned_by": people.manager}
		)
		doc = frappe.get_doc("Task", task.name)
		doc.status = "Working"
		doc._assign = frappe.as_json([people.other])
		with refused(frappe.PermissionError):
			doc.save()
	frappe.db.delete("ToDo", {"reference_name": task.name})
	with as_user(people.manager):
		assign_to.add({"assign_to": [people.other], "doctype": "Task", "name": task.name})
	with as_user(people.other):
		doc = frappe.get_doc("Task", task.name)
		doc.status = "Working"
		doc.progress = 40
		doc.save()
		doc.exp_end_date = "2030-01-01"
		with refused(frappe.PermissionError, match="planners"):
			doc.save()
		with refused(frappe.PermissionError):
			frappe.delete_doc("Task", task.name)
	assert frappe.db.get_value("Task", task.name, ["status", "progress"]) == ("Working", 40)


# --- rows only through their parent ------------------------------------------------------------------------------


def test_rows_are_not_saved_on_their_own(people):
	item = make_item(price=10)
	order = make_order(items=[{"item_code": item, "qty": 1}], order_manager=people.manager)
	with as_user(people.manager):
		row = frappe.get_doc(
			{
				"doctype": "Customer Order Item",
				"parent": order.name,
				"parenttype": "Customer Order",
				"parentfield": "items",
				"item_code": item,
				"qty": 99,
			}
		)
		with refused(frappe.PermissionError):
			row.insert()
		existing = frappe.get_doc("Customer Order Item", order.items[0].name)
		existing.qty = 42
		with refused(frappe.PermissionError):
			existing.save()
		with refused(frappe.PermissionError):
			frappe.delete_doc("Customer Order Item", order.items[0].name)
	assert frappe.db.get_all("Customer Order Item", {"parent": order.name}, pluck="qty") == [1]


def test_an_information_file_must_be_a_site_file_or_web_address(people):
	order = make_order(order_manager=people.manager)
	with as_user(people.manager):
		info = frappe.get_doc(
			{
				"doctype": "Order Information",
				"title": "Drawings",
				"customer_order": order.name,
				"files": [{"file": "javascript:alert(1)"}],
			}
		)
		with refused(frappe.ValidationError, match="not a file of this site"):
			info.insert()
		info.files[0].file = "https://example.com/drawing.pdf"
		info.insert()


# --- the Bin equals its reservation entries ------------------------------------------------------------------------


def test_reserve_reports_what_erpnext_made_and_the_bin_equals_its_entries():
	item = make_item(price=10)
	add_stock(item, 10)
	order = make_order(items=[{"item_code": item, "qty": 4}])
	order_api.confirm(order.name)
	bin_name = frappe.db.get_value("Bin", {"item_code": item, "warehouse": warehouse()})
	# a Bin that lost count (as ERPNext's re-sum on an old snapshot leaves it)
	frappe.db.set_value("Bin", bin_name, "reserved_stock", 3)
	result = stock_api.reserve(order.name)
	line = order.items[0].name
	assert result["reserved"] == {line: 4}
	entries = sum(
		flt(r.reserved_qty) - flt(r.delivered_qty)
		for r in frappe.get_all(
			"Stock Reservation Entry",
			filters={"item_code": item, "docstatus": 1},
			fields=["reserved_qty", "delivered_qty"],
		)
	)
	assert flt(entries) == 4
	assert flt(frappe.db.get_value("Bin", bin_name, "reserved_stock")) == 4
	frappe.db.set_value("Bin", bin_name, "reserved_stock", 0)
	resync_reserved_stock([(item, warehouse())])
	assert flt(frappe.db.get_value("Bin", bin_name, "reserved_stock")) == 4


@pytest.mark.parametrize(
	"items",
	[
		"{not json",
		"[1, 2]",
		'[{"line": "no-such-line", "qty": 1}]',
		'[{"qty": 1}]',
		'{"x": -1}',
		'[{"line": "L", "qty": "abc"}]',
		'[{"line": "L", "qty": 1e999}]',
		"42",
	],
)
def test_malformed_lines_are_refused_and_nothing_changes(items):
	item = make_item(price=10)
	add_stock(item, 5)
	order = make_order(items=[{"item_code": item, "qty": 2}])
	order_api.confirm(order.name)
	items = items.replace('"L"', f'"{order.items[0].name}"')
	with refused(frappe.ValidationError):
		stock_api.reserve(order.name, items=items)
	assert not frappe.db.exists("Stock Reservation Entry", {"item_code": item, "docstatus": 1})


# --- upgrades ------------------------------------------------------------------------------------------------


def test_migrate_does_not_grant_again_a_right_an_administrator_took_away():
	from frappe.permissions import update_permission_property

	from order_mgmt.setup import install

	filters = {"parent": "Task", "role": "Order User", "permlevel": 0, "if_owner": 0}
	try:
		update_permission_property("Task", "Order User", 0, "delete", 0, validate=False)
		install.after_migrate()
		assert frappe.db.get_value("Custom DocPerm", filters, "delete") == 0
	finally:
		frappe.db.rollback()
		frappe.clear_cache(doctype="Task")
	assert frappe.db.get_value("Custom DocPerm", filters, "delete") == 1


def test_the_upgrade_patch_takes_back_shared_rights_the_rule_denies(people):
	from order_mgmt.patches.v0_2.remove_denied_shares import execute

	order = make_order(order_manager=people.manager)
	earlier = frappe.get_doc(
		{
			"doctype": "DocShare",
			"share_doctype": "Customer Order",
			"share_name": order.name,
			"user": people.other,
			"read": 1,
			"write": 1,
		}
	)
	earlier.name = frappe.generate_hash(length=10)
	earlier.db_insert()  # as made before the rule existed (no validation)
	allowed = frappe.share.add("Customer Order", order.name, people.deputy, read=1)
	execute()
	assert frappe.db.get_value("DocShare", earlier.name, ["read", "write"]) == (1, 0)
	assert frappe.db.get_value("DocShare", allowed.name, "read") == 1


# --- what a review found ------------------------------------------------------------------------------------------


def test_a_line_of_another_order_cannot_be_taken_over(people):
	item = make_item(price=10)
	theirs = make_order(items=[{"item_code": item, "qty": 3}], order_manager=people.other)
	mine = make_order(items=[{"item_code": item, "qty": 1}], order_manager=people.manager)
	with as_user(people.manager):
		doc = frappe.get_doc("Customer Order", mine.name)
		doc.append("items", {"name": theirs.items[0].name, "item_code": item, "qty": 7})
		with refused(frappe.ValidationError, match="belongs to another document"):
			doc.save()
	assert frappe.db.get_value("Customer Order Item", theirs.items[0].name, ["parent", "qty"]) == (
		theirs.name,
		3,
	)


def test_tax_figures_sent_with_a_confirmation_are_not_kept(people):
	order = make_order(order_manager=people.manager)
	saved = [(t.total, t.tax_amount_after_discount_amount) for t in order.taxes]
	assert saved, "the test company's default tax template gives the order a tax line"
	from frappe.desk.form.save import savedocs

	with as_user(people.manager):
		doc = frappe.get_doc("Customer Order", order.name).as_dict()
		doc["taxes"][0].update({"total": 99999, "tax_amount_after_discount_amount": 777})
		savedocs(frappe.as_json(doc), "Submit")
	confirmed = frappe.get_doc("Customer Order", order.name)
	assert confirmed.docstatus == 1
	assert [(t.total, t.tax_amount_after_discount_amount) for t in confirmed.taxes] == saved


def test_only_who_may_amend_and_plan_amends_a_canceled_order(people):
	order = make_order(order_manager=people.manager)
	order_api.confirm(order.name)
	order_api.cancel(order.name)
	items, customer = [{"item_code": make_item(price=10), "qty": 1}], make_customer()
	with as_user(people.other):
		with refused(frappe.PermissionError):
			make_order(items=items, customer=customer, amended_from=order.name)
	with as_user(people.boss):
		assert make_order(items=items, customer=customer, amended_from=order.name).amended_from == order.name


@pytest.mark.parametrize(
	"field,value",
	[("delivery_date", ["2030-01-01"]), ("order_date", {"a": 1}), ("notes", {"a": 1})],
)
def test_values_of_the_wrong_shape_are_refused(people, field, value):
	items, customer = [{"item_code": make_item(price=10), "qty": 1}], make_customer()
	with as_user(people.manager):
		with refused(frappe.ValidationError):
			make_order(items=items, customer=customer, **{field: value})


@pytest.mark.parametrize("field", ["qty", "rate"])
def test_numbers_out_of_range_are_refused(people, field):
	items, customer = [{"item_code": make_item(price=10), "qty": 1}], make_customer()
	items[0][field] = 1e30
	with as_user(people.manager):
		with refused(frappe.ValidationError, match="out of range"):
			make_order(items=items, customer=customer)


def test_only_who_may_change_an_order_attaches_files_to_it(people):
	order = make_order(order_manager=people.manager)
	attach = {
		"doctype": "File",
		"file_name": "note.txt",
		"content": "hello",
		"attached_to_doctype": "Customer Order",
		"attached_to_name": order.name,
		"is_private": 1,
	}
	with as_user(people.other):
		with refused(frappe.PermissionError):
			frappe.get_doc(attach).insert()
	with as_user(people.manager):
		frappe.get_doc(attach).insert()


def test_an_assignee_changes_only_status_and_progress(people):
	from frappe.desk.form import assign_to

	order = make_order(order_manager=people.manager)
	with as_user(people.manager):
		task = frappe.get_doc(
			{"doctype": "Task", "subject": "Install", "customer_order": order.name}
		).insert()
		assign_to.add({"assign_to": [people.other], "doctype": "Task", "name": task.name})
	with as_user(people.other):
		doc = frappe.get_doc("Task", task.name)
		doc.description = "rewritten"
		with refused(frappe.PermissionError, match="planners"):
			doc.save()


def test_a_disabled_price_list_does_not_freeze_confirmed_orders(people):
	price_list = frappe.get_doc(
		{
			"doctype": "Price List",
			"price_list_name": f"_T Selling {frappe.generate_hash(length=6)}",
			"selling": 1,
			"currency": frappe.get_cached_value(
				"Company", make_order(save=False).company, "default_currency"
			),
		}
	).insert()
	order = make_order(order_manager=people.manager, selling_price_list=price_list.name)
	order_api.confirm(order.name)
	frappe.db.set_value("Price List", price_list.name, "enabled", 0)
	with as_user(people.manager):
		doc = frappe.get_doc("Customer Order", order.name)
		doc.notes = "still editable"
		doc.save()


def test_a_task_of_no_order_keeps_erpnexts_sharing(people):
	projects = make_user("Projects User")
	colleague = make_user("Projects User")
	with as_user(projects):
		task = frappe.get_doc({"doctype": "Task", "subject": "Own"}).insert()
		frappe.share.add("Task", task.name, colleague, write=1)
	assert frappe.db.exists("DocShare", {"share_name": task.name, "user": colleague, "write": 1})


def test_messages_escape_what_they_echo():
	item = make_item(price=10)
	order = make_order(items=[{"item_code": item, "qty": 1}])
	order_api.confirm(order.name)
	payload = "<img src=x onerror=alert(1)>"
	for call in (
		lambda: supply_api.make_material_request(order.name, material_request_type=payload),
		lambda: stock_api.reserve(order.name, items=[{"line": payload, "qty": 1}]),
		lambda: order_api.set_status(order.name, payload),
	):
		with pytest.raises(frappe.ValidationError) as info:
			call()
		assert "<img" not in str(info.value) and "&lt;img" in str(info.value)
