"""The app's script reports (R10, R11) on a seeded dataset: every figure is compared with a value computed
by hand from the documents the test made. Each report is filtered to the test's own customer."""

import frappe
import pytest
from frappe.utils import add_days, add_months, flt, getdate, nowdate

from order_mgmt.figures.profit import get_profitability, update_profitability
from order_mgmt.settings import get_probabilities
from tests.integration.erp_docs import confirmed_order, deliver, invoice, pay
from tests.integration.factories import (
	add_stock,
	company,
	make_customer,
	make_item,
	make_order,
	make_tax_template,
	make_user,
	request_done,
)


def run(report: str, **filters):
	request_done()  # the user opens the report after their request ended
	from frappe.desk.query_report import run as run_report

	result = run_report(report, filters={"company": company(), **filters}, ignore_prepared_report=True)
	rows = [r for r in result["result"] if isinstance(r, dict) and not r.get("is_total_row")]
	# frappe appends the total row as a list when the report has add_total_row
	total = result["result"][-1] if result.get("add_total_row") and result["result"] else None
	return frappe._dict(
		rows=rows, total=total, chart=result.get("chart"), summary=result.get("report_summary")
	)


def month(date) -> str:
	d = getdate(date)
	return f"{d.year:04d}-{d.month:02d}"


@pytest.fixture
def probabilities():
	"""Win probabilities of the settings, changed from the defaults so the report must read them."""
	settings = frappe.get_single("Order Management Settings")
	for row in settings.probabilities:
		row.probability = {"Quotation": 20, "Waiting for Confirmation": 60}.get(row.status, row.probability)
	settings.save()
	frappe.local.flags.pop("order_mgmt_probabilities", None)
	yield get_probabilities()
	frappe.local.flags.pop("order_mgmt_probabilities", None)


@pytest.fixture
def data():
	"""A customer with orders in several states, and the ERPNext documents behind them."""
	d = frappe._dict(customer=make_customer(), today=getdate(nowdate()))
	d.gizmo = make_item(price=100, item_name="Gizmo")  # stock valued at 30
	d.bolt = make_item(price=50, item_name="Bolt")  # stock valued at 20
	for item in (d.gizmo, d.bolt):
		# priced since two months, so that orders dated in the past find the price too
		price = frappe.get_doc("Item Price", {"item_code": item, "price_list": "Standard Selling"})
		price.valid_from = add_months(d.today, -2)
		price.save()
	add_stock(d.gizmo, 20, rate=30)
	add_stock(d.bolt, 20, rate=20)
	tax = make_tax_template(10)
	next_month = add_months(d.today, 1)
	# drafts: a quotation (2 x 100) and one waiting for confirmation (4 x 50), delivery next month
	d.quotation = make_order(
		customer=d.customer,
		items=[{"item_code": d.gizmo, "qty": 2}],
		delivery_date=next_month,
		taxes_and_charges=tax,
	)
	d.waiting = make_order(
		customer=d.customer,
		items=[{"item_code": d.bolt, "qty": 4}],
		status="Waiting for Confirmation",
		delivery_date=next_month,
		taxes_and_charges=tax,
	)
	# confirmed: 1 gizmo + 2 bolts = 200 net, 10 % tax; half delivered, the gizmo invoiced, 50 paid
	d.partial = confirmed_order(
		[{"item_code": d.gizmo, "qty": 1}, {"item_code": d.bolt, "qty": 2}],
		customer=d.customer,
		taxes_and_charges=tax,
		delivery_date=add_days(d.today, 10),
	)
	d.dn_partial = deliver(d.partial, {d.gizmo: 1, d.bolt: 1})
	d.si_partial = invoice(d.partial, {d.gizmo: 1})
	pay(d.si_partial.name, 50)
	# confirmed: 1 bolt (50 + 5 tax), delivered, invoiced and paid in full
	d.done = confirmed_order([{"item_code": d.bolt, "qty": 1}], customer=d.customer, taxes_and_charges=tax)
	d.dn_done = deliver(d.done)
	d.si_done = invoice(d.done)
	pay(d.si_done.name, 55)
	# confirmed three weeks ago for delivery five days ago: 3 gizmos, nothing delivered — late
	d.late = confirmed_order(
		[{"item_code": d.gizmo, "qty": 3}],
		customer=d.customer,
		taxes_and_charges=tax,
		order_date=add_days(d.today, -21),
		delivery_date=add_days(d.today, -5),
	)
	# canceled: never counted
	d.canceled = confirmed_order(
		[{"item_code": d.bolt, "qty": 1}], customer=d.customer, taxes_and_charges=tax
	)
	d.canceled.cancel()
	for key in ("quotation", "waiting", "partial", "done", "late", "canceled"):
		d[key] = frappe.get_doc("Customer Order", d[key].name)
	request_done()
	return d


def test_pipeline_forecast_weights_open_orders_by_the_settings_probabilities(data, probabilities):
	result = run("Order Pipeline and Forecast", customer=data.customer)
	got = {
		(r["period"], r["status"]): (r["orders"], r["open_value"], r["weighted_value"]) for r in result.rows
	}

	expected = {}
	for order in (data.quotation, data.waiting, data.partial, data.done, data.late):
		if order.status in ("Delivered", "Canceled", "Archived"):
			continue
		key = (month(order.delivery_date), order.status)
		n, value, weighted = expected.get(key, (0, 0.0, 0.0))
		p = probabilities[order.status]
		expected[key] = (n + 1, flt(value + order.net_total, 2), flt(weighted + order.net_total * p / 100, 2))
	assert got == expected
	# by hand: the quotation 200 x 20 % and the waiting order 200 x 60 % next month
	assert got[(month(add_months(data.today, 1)), "Quotation")] == (1, 200, 40)
	assert got[(month(add_months(data.today, 1)), "Waiting for Confirmation")] == (1, 200, 120)
	# the confirmed orders (200 + 50 + 300 net) count in full; the canceled one not at all
	weighted_total = {s["label"]: s["value"] for s in result.summary}["Weighted Forecast"]
	assert weighted_total == 40 + 120 + 200 + 50 + 300
	assert result.chart["data"]["datasets"][1]["values"] == [
		flt(sum(v[2] for k, v in expected.items() if k[0] == m), 2) for m in result.chart["data"]["labels"]
	]


def test_ordered_items_lists_every_line_with_delivered_and_pending(data):
	result = run(
		"Ordered Items", customer=data.customer, from_date=add_days(data.today, -30), to_date=data.today
	)
	got = {
		(r["customer_order"], r["item_code"]): (r["qty"], r["delivered_qty"], r["pending_qty"])
		for r in result.rows
	}
	assert got == {
		(data.quotation.name, data.gizmo): (2, 0, 2),
		(data.waiting.name, data.bolt): (4, 0, 4),
		(data.partial.name, data.gizmo): (1, 1, 0),
		(data.partial.name, data.bolt): (2, 1, 1),
		(data.done.name, data.bolt): (1, 1, 0),
		(data.late.name, data.gizmo): (3, 0, 3),
	}
	line = next(r for r in result.rows if r["customer_order"] == data.late.name)
	assert line["delivery_date"] == getdate(add_days(data.today, -5))
	assert {"product_status", "sources", "expected_date", "reserved_qty"} <= set(line)
	only_bolts = run(
		"Ordered Items", customer=data.customer, item_code=data.bolt, from_date=add_days(data.today, -30)
	)
	assert {r["item_code"] for r in only_bolts.rows} == {data.bolt}


def test_ordered_items_shows_what_erpnext_reserved_for_the_line(data):
	from order_mgmt.api.stock import reserve

	reserve(data.late.name)
	result = run("Ordered Items", customer=data.customer, from_date=add_days(data.today, -30))
	line = next(r for r in result.rows if r["customer_order"] == data.late.name)
	assert line["reserved_qty"] == 3


def test_delayed_orders_lists_late_lines_not_the_ones_on_time(data):
	result = run("Delayed Orders", customer=data.customer)
	assert [(r["customer_order"], r["item_code"], r["pending_qty"], r["days_late"]) for r in result.rows] == [
		(data.late.name, data.gizmo, 3, 5)
	]
	assert "Delivery date passed" in result.rows[0]["reason"]
	# a week ago nothing was late yet
	assert run("Delayed Orders", customer=data.customer, as_of_date=add_days(data.today, -7)).rows == []
	# once it is delivered it is no longer delayed
	deliver(data.late)
	assert run("Delayed Orders", customer=data.customer).rows == []


def test_invoicing_and_payments_per_order_and_per_customer(data):
	result = run("Order Invoicing and Payments", customer=data.customer, from_date=add_days(data.today, -30))
	got = {
		r["customer_order"]: (
			r["order_total"],
			r["invoiced_amount"],
			r["paid_amount"],
			r["outstanding_amount"],
		)
		for r in result.rows
	}
	# partial: 200 + 10 % = 220 ordered; the gizmo invoiced 100 + 10 = 110, 50 paid, 60 owed
	assert got == {
		data.partial.name: (220, 110, 50, 60),
		data.done.name: (55, 55, 55, 0),
		data.late.name: (330, 0, 0, 0),
	}
	status = {r["customer_order"]: (r["invoice_status"], r["payment_status"]) for r in result.rows}
	assert status[data.partial.name] == ("Part invoiced (50.0%)", "Part paid (45.5%)")
	assert status[data.done.name] == ("Invoiced", "Paid")
	assert status[data.late.name] == ("Not invoiced", "Not paid")

	per_customer = run(
		"Order Invoicing and Payments",
		customer=data.customer,
		group_by="Customer",
		from_date=add_days(data.today, -30),
	)
	assert [
		(r["customer"], r["orders"], r["invoiced_amount"], r["paid_amount"], r["outstanding_amount"])
		for r in per_customer.rows
	] == [(data.customer, 3, 165, 105, 60)]
	debtors = run(
		"Order Invoicing and Payments",
		customer=data.customer,
		only_outstanding=1,
		from_date=add_days(data.today, -30),
	)
	assert [r["customer_order"] for r in debtors.rows] == [data.partial.name]


def test_an_advance_on_the_sales_order_counts_as_paid(data):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	pe = get_payment_entry("Sales Order", data.late.sales_order, party_amount=100)
	pe.reference_no, pe.reference_date = "_T-ADV", nowdate()
	pe.insert()
	pe.submit()
	result = run("Order Invoicing and Payments", customer=data.customer, from_date=add_days(data.today, -30))
	row = next(r for r in result.rows if r["customer_order"] == data.late.name)
	# nothing invoiced yet: the advance is the customer's credit on the order, as in ERPNext's receivables
	assert (row["invoiced_amount"], row["paid_amount"], row["outstanding_amount"]) == (0, 100, -100)


def test_shipping_log_lists_every_delivery_note_line(data):
	result = run("Shipping Log", customer=data.customer, from_date=data.today, to_date=data.today)
	got = sorted((r["delivery_note"], r["customer_order"], r["item_code"], r["qty"]) for r in result.rows)
	assert got == sorted(
		[
			(data.dn_partial.name, data.partial.name, data.gizmo, 1),
			(data.dn_partial.name, data.partial.name, data.bolt, 1),
			(data.dn_done.name, data.done.name, data.bolt, 1),
		]
	)
	assert all(r["customer"] == data.customer and r["posting_date"] == data.today for r in result.rows)
	assert run("Shipping Log", customer=data.customer, from_date=add_days(data.today, 1)).rows == []
	one = run("Shipping Log", customer=data.customer, customer_order=data.done.name, from_date=data.today)
	assert [r["delivery_note"] for r in one.rows] == [data.dn_done.name]


def test_reports_show_only_the_orders_a_user_may_read(data):
	frappe.set_user(make_user("Accounts User"))
	try:
		for report in ("Order Pipeline and Forecast", "Shipping Log"):
			with pytest.raises(frappe.PermissionError):
				run(report, customer=data.customer)
	finally:
		frappe.set_user("Administrator")


# --- profitability -------------------------------------------------------------------------------------


def make_project() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Project",
				"project_name": f"_T Project {frappe.generate_hash(length=6)}",
				"company": company(),
			}
		)
		.insert()
		.name
	)


def book_time(order_name: str, hours: float, costing_rate: float):
	"""A submitted Timesheet on a Task of the order."""
	task = frappe.get_doc(
		{"doctype": "Task", "subject": "_T assembly", "customer_order": order_name}
	).insert()
	ts = frappe.get_doc(
		{
			"doctype": "Timesheet",
			"company": company(),
			"time_logs": [
				{
					"activity_type": _activity_type(),
					"from_time": f"{nowdate()} 08:00:00",
					"hours": hours,
					"task": task.name,
					"costing_rate": costing_rate,
					"billing_rate": 0,
				}
			],
		}
	).insert()
	ts.submit()
	return ts


def _activity_type() -> str:
	name = "_T Assembly"
	if not frappe.db.exists("Activity Type", name):
		frappe.get_doc({"doctype": "Activity Type", "activity_type": name, "costing_rate": 25}).insert()
	return name


def buy_service(project: str, amount: float):
	"""A submitted Purchase Invoice for a service (non-stock item) booked to the project."""
	item = make_item(stock_item=False, is_purchase_item=1)
	supplier = frappe.get_doc(
		{
			"doctype": "Supplier",
			"supplier_name": f"_T Supplier {frappe.generate_hash(length=6)}",
			"supplier_group": frappe.db.get_value("Supplier Group", {"is_group": 0}),
		}
	).insert()
	pi = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": supplier.name,
			"company": company(),
			"items": [{"item_code": item, "qty": 1, "rate": amount, "project": project}],
		}
	).insert()
	pi.submit()
	return pi


def book_other_cost(project: str, amount: float):
	"""A submitted Journal Entry: an expense booked to the project, paid in cash."""
	expense = frappe.db.get_value(
		"Account", {"company": company(), "root_type": "Expense", "is_group": 0, "account_type": ""}, "name"
	)
	cash = frappe.db.get_value(
		"Account", {"company": company(), "account_type": "Cash", "is_group": 0}, "name"
	)
	je = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"company": company(),
			"posting_date": nowdate(),
			"accounts": [
				{"account": expense, "debit_in_account_currency": amount, "project": project},
				{"account": cash, "credit_in_account_currency": amount},
			],
		}
	).insert()
	je.submit()
	return je


def test_profitability_of_one_order_by_hand(data):
	order = data.partial
	project = make_project()
	order.db_set("project", project)
	book_time(order.name, hours=2, costing_rate=25)  # 50
	buy_service(project, 40)  # 40
	book_other_cost(project, 15)  # 15

	# revenue: the invoiced gizmo, 100 net; cost of goods: 1 gizmo at 30 + 1 bolt at 20 delivered = 50
	expected = dict(
		revenue_amount=100,
		cost_of_goods=50,
		total_hours=2,
		timesheet_cost=50,
		purchase_cost=40,
		other_cost=15,
		total_cost=155,
		profit_amount=-55,
		profit_margin=-55,
	)
	result = run("Order Profitability", customer=data.customer, from_date=add_days(data.today, -30))
	row = next(r for r in result.rows if r["customer_order"] == order.name)
	assert {k: row[k] for k in expected} == expected
	# the order shows the same figures at once: the timesheet, the purchase invoice and the journal entry
	# each refreshed them
	stored = frappe.db.get_value("Customer Order", order.name, list(expected), as_dict=True)
	assert {k: flt(v) for k, v in stored.items()} == expected

	# the fully invoiced bolt order: 50 revenue, 20 cost of goods → 30 profit, 60 %
	done = next(r for r in result.rows if r["customer_order"] == data.done.name)
	assert (done["revenue_amount"], done["cost_of_goods"], done["profit_amount"], done["profit_margin"]) == (
		50,
		20,
		30,
		60,
	)
	# drafts and canceled orders are not in the report
	assert {r["customer_order"] for r in result.rows} == {data.partial.name, data.done.name, data.late.name}
	summary = {s["label"]: s["value"] for s in result.summary}
	assert (summary["Revenue"], summary["Total Cost"], summary["Profit"]) == (150, 175, -25)
	assert summary["Margin"] == flt(-25 / 150 * 100, 2)


def test_deliveries_and_invoices_keep_the_orders_profitability_up_to_date(data):
	fields = ["revenue_amount", "cost_of_goods", "total_cost", "profit_amount", "profit_margin"]
	# the fixture's delivery notes and invoices already wrote the figures on the order
	stored = frappe.db.get_value("Customer Order", data.done.name, fields)
	assert tuple(flt(v) for v in stored) == (50, 20, 20, 30, 60)
	# nothing changed since: recomputing writes nothing
	assert update_profitability([data.partial.name, data.done.name, data.late.name]) == {}
	# a return of the delivery gives the cost of goods back, on the order at once
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	ret = make_sales_return(data.dn_done.name)
	ret.insert()
	ret.submit()
	request_done()
	assert flt(frappe.db.get_value("Customer Order", data.done.name, "cost_of_goods")) == 0
	assert flt(frappe.db.get_value("Customer Order", data.done.name, "profit_amount")) == 50
	assert get_profitability([data.done.as_dict()])[data.done.name].cost_of_goods == 0


def test_update_profitability_writes_only_what_changed_in_one_batch(data):
	frappe.db.set_value("Customer Order", data.done.name, "revenue_amount", 0, update_modified=False)
	frappe.db.set_value("Customer Order", data.partial.name, "profit_margin", 0, update_modified=False)
	changes = update_profitability([data.partial.name, data.done.name, data.late.name])
	# partial: 100 invoiced net, 50 cost of goods → 50 %
	assert changes == {data.done.name: {"revenue_amount": 50}, data.partial.name: {"profit_margin": 50}}
	assert flt(frappe.db.get_value("Customer Order", data.done.name, "revenue_amount")) == 50


def test_refresh_profitability_checks_permission(data):
	from order_mgmt.api.profit import refresh_profitability

	assert refresh_profitability(data.done.name)["profit_amount"] == 30
	frappe.set_user(make_user("Accounts User"))
	try:
		with pytest.raises(frappe.PermissionError):
			refresh_profitability(data.done.name)
	finally:
		frappe.set_user("Administrator")


def test_filter_values_with_sql_and_format_characters_match_nothing_and_break_nothing(data):
	"""The line reports run the orders' permission query as a subquery of their own query: a filter value
	with quotes, `%` or SQL stays a value."""
	for hostile in ("100% O'Brien", "%s%(x)s", "x' or '1'='1", "x`) or (1=1"):
		for report in ("Ordered Items", "Delayed Orders", "Shipping Log", "Order Invoicing and Payments"):
			assert run(report, customer=hostile, from_date=add_days(data.today, -30)).rows == [], report
		assert run("Shipping Log", customer_order=hostile, from_date=data.today).rows == []
		assert run("Ordered Items", customer=data.customer, item_code=hostile).rows == []


def test_the_reports_read_the_figures_each_order_stores(data, monkeypatch):
	"""Invoicing and profitability come from the order's stored figures (one query): the same numbers as
	ERPNext's documents give when computed afresh, and the upgrade patch fills them for older orders."""
	from order_mgmt.figures.money import BASE_MONEY_FIELDS
	from order_mgmt.patches.v0_4 import fill_base_money

	before = run("Order Invoicing and Payments", customer=data.customer, from_date=add_days(data.today, -30))
	# an order confirmed before this version: no company-currency figures stored yet
	frappe.db.set_value(
		"Customer Order", data.partial.name, dict.fromkeys(BASE_MONEY_FIELDS, 0), update_modified=False
	)
	blank = run("Order Invoicing and Payments", customer=data.customer, from_date=add_days(data.today, -30))
	assert next(r for r in blank.rows if r["customer_order"] == data.partial.name)["order_total"] == 0
	monkeypatch.setattr(frappe.db, "commit", lambda *args, **kwargs: None)  # the test rolls back
	fill_base_money.execute()
	monkeypatch.undo()
	after = run("Order Invoicing and Payments", customer=data.customer, from_date=add_days(data.today, -30))
	assert after.rows == before.rows
	row = next(r for r in after.rows if r["customer_order"] == data.partial.name)
	si = frappe.get_doc("Sales Invoice", data.si_partial.name)
	assert (row["invoiced_amount"], row["outstanding_amount"]) == (si.base_grand_total, si.outstanding_amount)

	stored = run("Order Profitability", customer=data.customer, from_date=add_days(data.today, -30))
	fresh = get_profitability(
		frappe.get_all(
			"Customer Order",
			filters={"customer": data.customer, "docstatus": 1},
			fields=["name", "sales_order", "project"],
		)
	)
	for row in stored.rows:
		expected = fresh[row["customer_order"]]
		assert {k: row[k] for k in expected if k != "profit_margin"} == {
			k: v for k, v in expected.items() if k != "profit_margin"
		}
		assert row["profit_margin"] == expected["profit_margin"]
