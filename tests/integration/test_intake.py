"""How an event becomes a recompute (order_mgmt.figures.intake): ERPNext's documents submitted the way the
desk submits them (`frappe.desk.form.save.savedocs`, one request each) recompute their order once, at the
end of the request, whatever number of ERPNext's own events they pass through; a rolled back request
recomputes nothing."""

import frappe
import pytest
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice
from frappe.desk.form.save import savedocs
from frappe.utils import nowdate

from order_mgmt.figures import engine
from tests.integration.erp_docs import confirmed_order
from tests.integration.factories import add_stock, make_item, request_done


@pytest.fixture
def recomputes(monkeypatch):
	"""The orders of each call of the one recompute path (the real one runs)."""
	calls = []
	real = engine.recompute

	def counted(order_names, *args, **kwargs):
		calls.append(sorted(order_names))
		return real(order_names, *args, **kwargs)

	monkeypatch.setattr(engine, "recompute", counted)
	return calls


def desk_submit(doc):
	"""Save, then submit, as the desk's form does: two requests, each ending in its commit."""
	new = doc.as_dict()
	new.update({"__islocal": 1, "name": f"new-{frappe.scrub(doc.doctype).replace('_', '-')}-1"})
	savedocs(frappe.as_json(new), "Save")
	request_done()
	saved = frappe.get_doc(doc.doctype, frappe.response.docs[-1].name)
	savedocs(frappe.as_json(saved.as_dict()), "Submit")
	return frappe.get_doc(doc.doctype, saved.name)


def order_with_stock(qty=4):
	item = make_item(price=25)
	add_stock(item, 10)
	request_done()
	return confirmed_order([{"item_code": item, "qty": qty}])


def status(name, *fields):
	return frappe.db.get_value("Customer Order", name, list(fields), as_dict=True)


def test_a_delivery_note_submitted_in_the_desk_recomputes_its_order_once(recomputes):
	order = order_with_stock()
	recomputes.clear()
	desk_submit(make_delivery_note(order.sales_order))
	assert recomputes == [], "nothing before the end of the request"
	request_done()
	assert recomputes == [[order.name]]
	assert status(order.name, "per_delivered").per_delivered == 100


def test_a_sales_invoice_submitted_in_the_desk_recomputes_its_order_once(recomputes):
	order = order_with_stock()
	recomputes.clear()
	desk_submit(make_sales_invoice(order.sales_order))
	request_done()
	assert recomputes == [[order.name]]
	assert status(order.name, "invoice_status").invoice_status == "Invoiced"


def test_a_payment_entry_submitted_in_the_desk_recomputes_its_order_once(recomputes):
	order = order_with_stock()
	si = desk_submit(make_sales_invoice(order.sales_order))
	request_done()
	recomputes.clear()
	pe = get_payment_entry("Sales Invoice", si.name)
	pe.reference_no, pe.reference_date = "INTAKE-1", nowdate()
	desk_submit(pe)
	request_done()
	# ERPNext's own events: the invoice's outstanding (set_status → on_change) and the entry's submit
	assert recomputes == [[order.name]]
	figures = status(order.name, "payment_status", "outstanding_amount")
	assert (figures.payment_status, figures.outstanding_amount) == ("Paid", 0)
	assert frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount") == 0


def test_a_rolled_back_request_recomputes_nothing(recomputes):
	order = order_with_stock()
	recomputes.clear()
	dn = make_delivery_note(order.sales_order)
	dn.insert()
	dn.submit()
	# the request fails after ERPNext's events marked the order: Frappe rolls its transaction back
	frappe.db.rollback()
	request_done()
	assert recomputes == []
	assert not frappe.db.exists("Delivery Note", dn.name)


@pytest.fixture
def queued(monkeypatch):
	"""The items each flush queues for the after-commit job (the real queueing runs)."""
	from order_mgmt.figures import shortages

	calls = []
	real = shortages.queue_after_commit

	def counted(item_codes):
		calls.append(sorted(set(item_codes)))
		return real(item_codes)

	monkeypatch.setattr(shortages, "queue_after_commit", counted)
	return calls


def test_stock_moved_by_erpnexts_documents_re_judges_the_items_after_the_commit(queued):
	"""A Stock Entry, a Stock Reconciliation and a Purchase Receipt each queue their items' job (other
	orders' *Not enough*, Work Orders waiting for parts) once, at the end of their request."""
	from erpnext.buying.doctype.purchase_order.purchase_order import make_purchase_receipt

	from tests.integration.factories import company, warehouse
	from tests.integration.test_promise import purchase_order

	item = make_item(price=5)
	add_stock(item, 4)
	request_done()
	assert queued == [[item]]
	count = frappe.get_doc(
		{
			"doctype": "Stock Reconciliation",
			"company": company(),
			"purpose": "Stock Reconciliation",
			"expense_account": frappe.get_cached_value("Company", company(), "stock_adjustment_account"),
			"items": [{"item_code": item, "warehouse": warehouse(), "qty": 9, "valuation_rate": 5}],
		}
	).insert()
	count.submit()
	request_done()
	assert queued[-1] == [item]
	receipt = make_purchase_receipt(purchase_order(item, 2, 5).name)
	receipt.insert()
	receipt.submit()
	request_done()
	assert len(queued) == 3 and queued[-1] == [item]
