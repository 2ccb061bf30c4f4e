"""The order's timeline (issue 16): Versions only of what users changed, never of the fields the app
derives; the order's business events as comments in its own words, naming the document that caused them;
none for the nightly recalculation."""

import json

import frappe
import pytest
from frappe.model.document import Document
from frappe.utils import get_absolute_url

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.figures import runs
from order_mgmt.services import timeline
from tests.integration.erp_docs import deliver, invoice, pay
from tests.integration.factories import add_stock, as_user, make_item, make_order, make_user


def versions(name):
	return [
		json.loads(d)
		for d in frappe.get_all(
			"Version",
			filters={"ref_doctype": "Customer Order", "docname": name},
			pluck="data",
			order_by="creation",
		)
	]


def events(name):
	return frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Customer Order", "reference_name": name, "comment_type": "Info"},
		pluck="content",
		order_by="creation",
	)


@pytest.fixture
def versions_kept(monkeypatch):
	"""Frappe keeps no Versions while tests run (`Document._save`: `ignore_version = frappe.flags.in_test`):
	the order's saves keep them here, as they do on a site."""
	from order_mgmt.order_mgmt.doctype.customer_order.customer_order import CustomerOrder

	def _save(self, ignore_permissions=None, ignore_version=None):
		return Document._save(self, ignore_permissions=ignore_permissions, ignore_version=False)

	monkeypatch.setattr(CustomerOrder, "_save", _save)


def test_the_timeline_tells_the_orders_story_without_derived_field_churn(versions_kept):
	item = make_item(price=10)
	add_stock(item, 10)
	order = make_order(items=[{"item_code": item, "qty": 4}])
	order.items[0].qty = 5
	order.save()

	def act(action) -> str:
		"""One action and its commit: the events it wrote to the order's timeline, as one comment."""
		before = len(events(order.name))
		result = action()
		timeline.flush()  # what the commit of the action's request does (frappe.db.before_commit)
		written = events(order.name)[before:]
		assert len(written) == 1, written
		return result, written[0]

	_r, confirmed = act(lambda: order_api.confirm(order.name))
	so = frappe.db.get_value("Customer Order", order.name, "sales_order")
	assert confirmed.startswith("Confirmed: Sales Order") and so in confirmed

	_r, reserved = act(lambda: stock_api.reserve(order.name))
	assert "Stock Reservation Entry" in reserved and "Reserved: 100%" in reserved
	assert "status Confirmed → Ready for Shipment" in reserved

	dn, delivered = act(lambda: deliver(frappe.get_doc("Customer Order", order.name)))
	# the desk's own link (/app/delivery-note/… on v15, /desk/delivery-note/… on v16)
	assert delivered.startswith(f'Delivery Note <a href="{get_absolute_url("Delivery Note", dn.name)}">')
	assert "Delivered: 100%" in delivered and "→ Shipped" in delivered

	si, invoiced = act(lambda: invoice(frappe.get_doc("Customer Order", order.name)))
	assert si.name in invoiced and "Invoiced: 100%" in invoiced
	assert "Paid" not in invoiced  # ERPNext's intermediate steps of one submit are not told

	pe, paid = act(lambda: pay(si.name, si.grand_total))
	assert pe.name in paid and "Paid: 100%" in paid

	meta = frappe.get_meta("Customer Order")
	derived = {df.fieldname for df in meta.fields if df.permlevel}
	line_derived = {df.fieldname for df in frappe.get_meta("Customer Order Item").fields if df.permlevel}
	recorded = versions(order.name)
	# the user's change of quantity and the confirmation are there; no derived field is
	assert any(
		c[0] == "qty" for v in recorded for _t, _i, _n, changes in v.get("row_changed", []) for c in changes
	)
	assert any(c[0] == "docstatus" for v in recorded for c in v.get("changed", []))
	for v in recorded:
		assert not {c[0] for c in v.get("changed", [])} & derived, v
		for _t, _i, _n, changes in v.get("row_changed", []):
			assert not {c[0] for c in changes} & line_derived, (_t, changes)

	# the nightly recalculation writes no events, even when it changes something
	frappe.db.set_value("Customer Order", order.name, "per_paid", 0, update_modified=False)
	before = len(events(order.name))
	runs.recompute_batch([order.name])
	timeline.flush()
	assert frappe.db.get_value("Customer Order", order.name, "per_paid") == 100
	assert len(events(order.name)) == before


def test_events_of_an_action_rolled_back_are_not_written():
	item = make_item(price=10)
	order = make_order(items=[{"item_code": item, "qty": 1}])
	timeline.note(order.name, "never")
	frappe.db.rollback()
	timeline.flush()
	assert not frappe.db.count("Comment", {"content": "never"})


def test_the_sales_order_line_id_is_not_shown_to_users():
	df = frappe.get_meta("Customer Order Item").get_field("so_detail")
	assert df.hidden and df.print_hide and df.read_only


def test_a_user_who_follows_what_they_change_follows_the_order(versions_kept):
	"""Frappe's Document.save_version follows the document for a user with "follow documents I change";
	the order's own save_version (without derived fields) does the same."""
	user = make_user("Order Manager")
	frappe.db.set_value("User", user, {"follow_created_documents": 1, "document_follow_notify": 1})
	frappe.clear_document_cache("User", user)
	order = make_order(items=[{"item_code": make_item(price=10), "qty": 1}], order_manager=user)

	def followed() -> bool:
		return bool(
			frappe.db.exists(
				"Document Follow", {"ref_doctype": "Customer Order", "ref_docname": order.name, "user": user}
			)
		)

	assert not followed()
	with as_user(user):
		doc = frappe.get_doc("Customer Order", order.name)
		doc.items[0].qty = 3
		doc.save()
	assert followed()
	assert [c[0] for c in versions(order.name)[-1]["row_changed"][0][3]] == ["qty"]
