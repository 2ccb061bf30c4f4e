"""Desk views (R2, R11): the "Order Pipeline" kanban board moves only where the pipeline allows, list
indicators for every status, and the "Order Management" workspace with its cards, charts and shortcuts."""

import os
import re

import frappe
import pytest

from order_mgmt.rules import pipeline
from order_mgmt.setup import desk
from tests.integration.factories import make_order, make_user, refused

BOARD = "Order Pipeline"


def move(order_name, from_status, to_status):
	"""What the board does when a card is dragged from one column to another."""
	from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card

	return update_order_for_single_card(BOARD, order_name, from_status, to_status, 0, 0)


def test_the_board_has_one_column_per_status_in_pipeline_order():
	board = frappe.get_doc("Kanban Board", BOARD)
	assert (board.reference_doctype, board.field_name, board.private) == ("Customer Order", "status", 0)
	assert [c.column_name for c in board.columns] == list(pipeline.STATUSES)


def test_setting_up_the_board_again_changes_nothing_and_restores_missing_columns():
	desk.setup_desk()
	board = frappe.get_doc("Kanban Board", BOARD)
	modified = board.modified
	desk.setup_desk()
	assert frappe.db.get_value("Kanban Board", BOARD, "modified") == modified
	assert frappe.db.count("Kanban Board", {"reference_doctype": "Customer Order", "name": BOARD}) == 1

	board.columns = [c for c in board.columns if c.column_name != pipeline.SHIPPED]
	board.save()
	desk.setup_desk()
	assert pipeline.SHIPPED in [c.column_name for c in frappe.get_doc("Kanban Board", BOARD).columns]


def test_an_allowed_move_on_the_board_changes_the_status():
	order = make_order()
	move(order.name, pipeline.QUOTATION, pipeline.WAITING_FOR_CONFIRMATION)
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.WAITING_FOR_CONFIRMATION
	move(order.name, pipeline.WAITING_FOR_CONFIRMATION, pipeline.QUOTATION)
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.QUOTATION


@pytest.mark.parametrize(
	"target",
	[
		pipeline.DELIVERED,
		pipeline.SHIPPED,
		pipeline.READY_FOR_SHIPMENT,
		pipeline.ARCHIVED,
		pipeline.CONFIRMED,
	],
)
def test_a_disallowed_move_on_the_board_is_refused_and_the_status_stays(target):
	order = make_order()
	with refused(frappe.ValidationError):
		move(order.name, pipeline.QUOTATION, target)
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.QUOTATION


def test_a_confirmed_order_moves_on_the_board_only_by_the_table():
	order = make_order()
	order.submit()
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.CONFIRMED
	with refused(frappe.ValidationError, match="Delivered only after it is Shipped"):
		move(order.name, pipeline.CONFIRMED, pipeline.DELIVERED)
	with refused(frappe.ValidationError):
		move(order.name, pipeline.CONFIRMED, pipeline.QUOTATION)
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.CONFIRMED


def test_a_user_without_write_permission_cannot_move_cards():
	order = make_order()
	frappe.set_user(make_user("Stock User"))
	with refused(frappe.PermissionError):
		move(order.name, pipeline.QUOTATION, pipeline.WAITING_FOR_CONFIRMATION)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Customer Order", order.name, "status") == pipeline.QUOTATION


def test_the_list_view_has_an_indicator_for_every_status():
	path = os.path.join(
		frappe.get_app_path("order_mgmt"), "order_mgmt", "doctype", "customer_order", "customer_order_list.js"
	)
	source = open(path).read()
	assert "get_indicator" in source
	colours = dict(re.findall(r'^\s*"?([A-Z][A-Za-z ]+)"?: "([a-z-]+)",$', source, re.M))
	assert set(pipeline.STATUSES) <= set(colours), set(pipeline.STATUSES) - set(colours)
	# the list view loads it from the doctype folder
	assert "customer_order_list.js" in os.listdir(os.path.dirname(path))


def test_the_workspace_shows_number_cards_charts_and_shortcuts():
	ws = frappe.get_doc("Workspace", "Order Management")
	assert (ws.module, ws.public) == ("Order Mgmt", 1)
	cards = {c.number_card_name for c in ws.number_cards}
	assert cards == {"Open Orders", "Delayed Orders", "Orders Ready to Ship", "Unpaid Order Amount"}
	assert {c.chart_name for c in ws.charts} == {"Order Forecast", "Orders by Status", "Monthly Order Value"}
	assert {"Customer Order", "Order Pipeline", "Delayed Orders"} <= {s.label for s in ws.shortcuts}
	for name in cards:
		assert frappe.db.get_value("Number Card", name, "is_standard") == 1
	for name in ws.charts:
		assert frappe.db.exists("Dashboard Chart", name.chart_name)
	kanban = next(s for s in ws.shortcuts if s.label == "Order Pipeline")
	assert (kanban.doc_view, kanban.kanban_board) == ("Kanban", BOARD)
	# every block of the page refers to something that exists
	for block in frappe.parse_json(ws.content):
		data = block["data"]
		if block["type"] == "number_card":
			assert data["number_card_name"] in cards
		elif block["type"] == "chart":
			assert frappe.db.exists("Dashboard Chart", data["chart_name"])
		elif block["type"] == "shortcut":
			assert data["shortcut_name"] in {s.label for s in ws.shortcuts}
	for link in ws.links:
		if link.type == "Link":
			assert frappe.db.exists(link.link_type, link.link_to), link.link_to


def test_the_number_cards_count_what_they_say():
	from frappe.desk.doctype.number_card.number_card import get_result

	from order_mgmt.order_mgmt.report.order_invoicing_and_payments.order_invoicing_and_payments import (
		get_unpaid_amount,
	)

	def count(card):
		doc = frappe.get_doc("Number Card", card)
		return get_result(doc.as_dict(), doc.filters_json)

	before = count("Open Orders")
	order = make_order()
	assert count("Open Orders") == before
	order.submit()
	assert count("Open Orders") == before + 1
	unpaid = get_unpaid_amount()
	assert unpaid["fieldtype"] == "Currency" and unpaid["value"] >= 0


def test_the_board_cards_get_the_values_they_show():
	"""Frappe's Kanban view is a list view: it fetches the standard fields, the title, the fields shown in
	the list and the list settings' `add_fields` (frappe/public/js/frappe/list/list_view.js set_fields),
	not the board's card fields: each card field must be one of those, or the card shows its label alone."""
	board = frappe.get_doc("Kanban Board", BOARD)
	fields = frappe.parse_json(board.fields)
	assert set(fields) == set(desk.CARD_FIELDS)
	path = os.path.join(
		frappe.get_app_path("order_mgmt"), "order_mgmt", "doctype", "customer_order", "customer_order_list.js"
	)
	add_fields = re.search(r"add_fields: \[(.*?)\]", open(path).read(), re.S).group(1)
	fetched = set(re.findall(r'"(\w+)"', add_fields))
	meta = frappe.get_meta("Customer Order")
	fetched |= {df.fieldname for df in meta.fields if df.in_list_view} | {meta.title_field}
	assert set(fields) <= fetched, set(fields) - fetched
