"""A realistic demo dataset (R16): `bench --site SITE order-mgmt-demo` (order_mgmt/commands.py).

Masters first (made only when missing, so a second run adds orders, not duplicates): customers with
addresses, suppliers, raw materials, finished goods with BOMs, trading goods and services with prices,
stock, a tax template, order areas linked to the sample methodology, an order manager and a deputy.
Then some 50 orders spread over every status the pipeline can reach, each one driven the way a user would:
the app's whitelisted actions (confirm, reserve, deliver, invoice, record payment, work orders, purchase
orders, tasks from the methodology, status moves) and ERPNext's own documents and mappers (BOMs, Stock
Entries, Work Order material transfers, Timesheets). Nothing writes ERPNext's tables directly.

Each order is committed on its own; one that fails is rolled back, reported and the rest go on.
"""

import random

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_days, flt, getdate, nowdate

from order_mgmt.rules import pipeline
from order_mgmt.setup.demo_masters import PLAN, ensure_setup_complete, setup_masters


def make_demo(orders: int | None = None, seed: int = 7, verbose: bool = True, commit: bool = True) -> dict:
	"""Fill the site with the demo. `orders` scales the plan (default about 50). Returns what was made.
	Commits after each order unless `commit` is False (tests keep everything in their transaction)."""
	log = print if verbose else (lambda *a, **k: None)

	def done():
		if commit:
			frappe.db.commit()

	rng = random.Random(seed)
	# no mails about a committed demo's assignments; a demo kept in the caller's transaction leaves them
	# in the queue with it (muted there, Frappe would try to render them with the site's mail account)
	muted = frappe.flags.mute_emails
	if commit:
		frappe.flags.mute_emails = True
	try:
		return _make(orders, rng, log, done, commit)
	finally:
		frappe.flags.mute_emails = muted


def _make(orders, rng, log, done, commit) -> dict:
	ensure_setup_complete(log)
	done()
	ctx = setup_masters(log)
	done()

	plan = list(PLAN)
	if orders:
		scale = orders / sum(n for _k, n in PLAN)
		plan = [(k, max(1, round(n * scale))) for k, n in PLAN]
	# archived orders first: archiving works on the orders completed by then
	plan.sort(key=lambda p: p[0] != "archived")
	made, failed = [], []
	for scenario, count in plan:
		for _i in range(count):
			frappe.db.savepoint("demo_order")
			try:
				name = SCENARIOS[scenario](ctx, rng)
				done()
				made.append(name)
			except Exception as e:
				frappe.db.rollback(save_point="demo_order")
				if commit:
					frappe.db.rollback()
				failed.append((scenario, repr(e)[:300]))
				log(f"  {scenario}: failed: {repr(e)[:300]}")
		if scenario == "archived":
			archive_demo_orders()
			done()
		log(f"{scenario}: {count} order(s)")

	from order_mgmt.figures import engine
	from order_mgmt.figures.profit import update_profitability

	engine.recompute(made)
	update_profitability(made)
	done()
	co = frappe.qb.DocType("Customer Order")
	summary = (
		frappe.qb.from_(co)
		.select(co.status, Count(co.name))
		.where(co.name.isin(made or [""]))
		.groupby(co.status)
	).run()
	by_status = dict(summary)
	log("Orders by status: " + ", ".join(f"{s}: {by_status.get(s, 0)}" for s in pipeline.STATUSES))
	if failed:
		log(f"{len(failed)} order(s) failed")
	return {"orders": made, "by_status": by_status, "failed": failed}


# --- masters ----------------------------------------------------------------------------------------


# --- orders -------------------------------------------------------------------------------------------


def new_order(ctx, rng, lines, status=pipeline.QUOTATION, order_days_ago=None, delivery_in=None, area=None):
	"""A draft order of a random customer; `lines` = [(item_code, qty)]."""
	order_days_ago = rng.randint(0, 90) if order_days_ago is None else order_days_ago
	order_date = add_days(ctx.today, -order_days_ago)
	delivery_in = rng.randint(7, 60) if delivery_in is None else delivery_in
	delivery_date = max(getdate(add_days(ctx.today, delivery_in)), getdate(order_date))
	doc = frappe.get_doc(
		{
			"doctype": "Customer Order",
			"customer": rng.choice(ctx.customers),
			"company": ctx.company,
			"order_date": order_date,
			"delivery_date": delivery_date,
			"period_from": order_date,
			"period_to": add_days(delivery_date, 14),
			"order_area": area or rng.choice(ctx.areas),
			"order_manager": ctx.manager,
			"deputy": ctx.deputy,
			"status": status,
			"set_warehouse": ctx.stores,
			"taxes_and_charges": ctx.tax,
			"items": [{"item_code": code, "qty": qty} for code, qty in lines],
		}
	).insert()
	return doc.name


def confirm(name):
	from order_mgmt.api import customer_order

	customer_order.confirm(name)


def trade_lines(rng, n=None):
	codes = rng.sample(["DEMO-VALVE", "DEMO-FILTER", "DEMO-VALVE", "DEMO-FILTER"], k=n or rng.randint(1, 2))
	lines = {}
	for code in codes:
		lines[code] = lines.get(code, 0) + rng.randint(2, 8)
	if rng.random() < 0.4:
		lines["DEMO-INSTALL"] = 1
	return list(lines.items())


def plan_work(name, ctx, rng, meeting=True):
	"""Tasks from the methodology (when the order's area has one), some time booked, a meeting."""
	if frappe.db.exists("DocType", "Order Methodology") and frappe.db.get_value(
		"Order Area", frappe.db.get_value("Customer Order", name, "order_area"), "methodology"
	):
		from order_mgmt.api.workspace import add_tasks_from_methodology

		add_tasks_from_methodology(name)
	tasks = (
		frappe.get_all("Task", filters={"customer_order": name}, pluck="name", limit=3)
		if frappe.db.has_column("Task", "customer_order")
		else []
	)
	if tasks:
		ts = frappe.get_doc(
			{
				"doctype": "Timesheet",
				"company": ctx.company,
				"time_logs": [
					{
						"activity_type": ctx.activity_type,
						"from_time": f"{add_days(ctx.today, -rng.randint(1, 10))} 0{8 + i}:00:00",
						"hours": rng.choice([1, 2, 3, 4]),
						"task": task,
					}
					for i, task in enumerate(tasks)
				],
			}
		).insert()
		ts.submit()
	if meeting and frappe.db.exists("DocType", "Order Meeting"):
		held = rng.random() < 0.6
		when = add_days(ctx.today, -rng.randint(1, 20) if held else rng.randint(1, 20))
		frappe.get_doc(
			{
				"doctype": "Order Meeting",
				"subject": rng.choice(
					["Kick-off", "Technical clarification", "Progress review", "Acceptance"]
				),
				"customer_order": name,
				"meeting_from": f"{when} 10:00:00",
				"meeting_to": f"{when} 11:00:00",
				"status": "Held" if held else "Planned",
				"internal_attendees": [{"user": ctx.manager}, {"user": ctx.deputy}],
				"agenda": "<p>Scope, dates, open questions.</p>",
				"minutes": "<p>Agreed on the delivery schedule.</p>" if held else "",
			}
		).insert()


def s_quotation(ctx, rng):
	return new_order(
		ctx, rng, trade_lines(rng), order_days_ago=rng.randint(0, 20), delivery_in=rng.randint(20, 120)
	)


def s_waiting_for_confirmation(ctx, rng):
	lines = [("DEMO-PUMP", rng.randint(1, 3)), ("DEMO-INSTALL", 1)]
	return new_order(
		ctx,
		rng,
		lines,
		status=pipeline.WAITING_FOR_CONFIRMATION,
		order_days_ago=rng.randint(0, 20),
		delivery_in=rng.randint(30, 120),
	)


def s_confirmed(ctx, rng):
	"""Confirmed, services only or nothing reserved yet: it waits for the next step."""
	name = new_order(ctx, rng, [("DEMO-TRAINING", rng.randint(1, 3)), ("DEMO-INSTALL", 1)], area=ctx.areas[0])
	confirm(name)
	plan_work(name, ctx, rng)
	return name


def s_late(ctx, rng):
	"""Confirmed long ago for a delivery date that has passed; only part of it reserved."""
	from order_mgmt.api import stock as stock_api

	name = new_order(
		ctx,
		rng,
		[("DEMO-GAUGE", rng.randint(3, 6))],
		order_days_ago=rng.randint(30, 60),
		delivery_in=-rng.randint(2, 12),
	)
	confirm(name)
	stock_api.reserve(
		name, [{"line": frappe.db.get_value("Customer Order Item", {"parent": name}, "name"), "qty": 1}]
	)
	return name


def s_purchasing(ctx, rng):
	"""More filters than are in stock: the order is confirmed and a Purchase Order is raised for it."""
	from order_mgmt.api import supply as supply_api

	name = new_order(ctx, rng, [("DEMO-FILTER", rng.randint(200, 260))], delivery_in=rng.randint(20, 45))
	confirm(name)
	supply_api.make_purchase_order(name, supplier=ctx.suppliers[2], submit=1)
	return name


def _work_orders(name, ctx, start=False):
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	from order_mgmt.api import supply as supply_api

	made = supply_api.make_work_orders(name)["work_orders"]
	for wo_name in made:
		wo = frappe.get_doc("Work Order", wo_name)
		wo.wip_warehouse = wo.wip_warehouse or ctx.wip
		wo.fg_warehouse = wo.fg_warehouse or ctx.fg
		wo.source_warehouse = ctx.stores
		for row in wo.required_items:
			row.source_warehouse = row.source_warehouse or ctx.stores
		wo.save()
		wo.submit()
		if start:
			se = frappe.get_doc(make_stock_entry(wo_name, "Material Transfer for Manufacture", wo.qty))
			se.insert()
			se.submit()
	return made


def s_waiting_for_production(ctx, rng):
	name = new_order(
		ctx,
		rng,
		[(rng.choice(["DEMO-PUMP", "DEMO-MIXER"]), rng.randint(1, 3))],
		area=ctx.areas[0],
		delivery_in=rng.randint(20, 50),
	)
	confirm(name)
	_work_orders(name, ctx)
	plan_work(name, ctx, rng)
	return name


def s_in_production(ctx, rng):
	name = new_order(
		ctx, rng, [("DEMO-PUMP", rng.randint(1, 2))], area=ctx.areas[0], delivery_in=rng.randint(10, 30)
	)
	confirm(name)
	_work_orders(name, ctx, start=True)
	plan_work(name, ctx, rng)
	return name


def _reserve(name):
	from order_mgmt.api import stock as stock_api

	stock_api.reserve(name)


def s_ready_for_shipment(ctx, rng):
	name = new_order(ctx, rng, trade_lines(rng), delivery_in=rng.randint(1, 20))
	confirm(name)
	_reserve(name)
	return name


def s_part_shipped(ctx, rng):
	"""Reserved, half delivered and invoiced, partly paid: still ready for shipment of the rest."""
	from order_mgmt.api import billing as billing_api
	from order_mgmt.api import stock as stock_api

	name = new_order(ctx, rng, [("DEMO-VALVE", rng.choice([6, 8, 10]))], delivery_in=rng.randint(1, 15))
	confirm(name)
	_reserve(name)
	line = frappe.get_all("Customer Order Item", filters={"parent": name}, fields=["name", "qty"])[0]
	stock_api.make_delivery_note(name, [{"line": line.name, "qty": line.qty / 2}], submit=1)
	billing_api.make_sales_invoice(name, percent=50, submit=1)
	billing_api.record_payment(
		name, amount=flt(frappe.db.get_value("Customer Order", name, "grand_total") / 4, 2)
	)
	return name


def _ship(name, ctx, rng, invoice=True, pay=1.0):
	from order_mgmt.api import billing as billing_api
	from order_mgmt.api import stock as stock_api

	_reserve(name)
	stock_api.make_delivery_note(name, submit=1)
	if invoice:
		billing_api.make_sales_invoice(name, submit=1)
		if pay:
			total = flt(
				frappe.db.get_value("Customer Order", name, "rounded_total")
				or frappe.db.get_value("Customer Order", name, "grand_total")
			)
			billing_api.record_payment(name, amount=flt(total * pay, 2))


def s_shipped(ctx, rng):
	name = new_order(
		ctx, rng, trade_lines(rng), order_days_ago=rng.randint(10, 60), delivery_in=rng.randint(-5, 10)
	)
	confirm(name)
	_ship(name, ctx, rng, invoice=rng.random() < 0.8, pay=rng.choice([0, 0.5, 1.0]))
	return name


def s_delivered(ctx, rng, pay=None):
	from order_mgmt.api import customer_order

	name = new_order(
		ctx, rng, trade_lines(rng), order_days_ago=rng.randint(20, 90), delivery_in=rng.randint(-20, 0)
	)
	confirm(name)
	plan_work(name, ctx, rng, meeting=rng.random() < 0.5)
	_ship(name, ctx, rng, pay=pay or rng.choice([0.5, 1.0, 1.0]))
	customer_order.complete(name)
	return name


def s_canceled(ctx, rng):
	from order_mgmt.api import customer_order

	name = new_order(ctx, rng, trade_lines(rng), order_days_ago=rng.randint(5, 60))
	confirm(name)
	if rng.random() < 0.5:
		_reserve(name)
	customer_order.cancel(name)
	return name


def s_archived(ctx, rng):
	"""Delivered and paid in full; archived by the app's archive job right after (see
	archive_demo_orders): only settled orders are archived."""
	return s_delivered(ctx, rng, pay=1.0)


def archive_demo_orders():
	"""The app's "archive old data" job, run as if its age limit had passed for the orders completed so
	far (the demo's archived scenario runs first, so those are the ones)."""
	from order_mgmt.figures.runs import archive_old_orders

	settings = frappe.get_single("Order Management Settings")
	if not settings.archive_enabled:
		settings.archive_enabled = 1
		settings.save()
	frappe.clear_document_cache("Order Management Settings", "Order Management Settings")
	archive_old_orders(today=add_days(nowdate(), (settings.archive_after_days or 0) + 1), commit=False)


SCENARIOS = {
	"quotation": s_quotation,
	"waiting_for_confirmation": s_waiting_for_confirmation,
	"confirmed": s_confirmed,
	"late": s_late,
	"purchasing": s_purchasing,
	"waiting_for_production": s_waiting_for_production,
	"in_production": s_in_production,
	"ready_for_shipment": s_ready_for_shipment,
	"part_shipped": s_part_shipped,
	"shipped": s_shipped,
	"delivered": s_delivered,
	"canceled": s_canceled,
	"archived": s_archived,
}


def site_summary() -> dict:
	"""What the demo command left on the site, as JSON (`bench --site S execute order_mgmt.setup.demo.site_summary`)."""
	company = frappe.db.get_single_value("Global Defaults", "default_company")
	summary = {
		"setup_complete": frappe.is_setup_complete(),
		"company": company,
		"currency": company and frappe.db.get_value("Company", company, "default_currency"),
		"fiscal_years": frappe.db.count("Fiscal Year"),
		"item_prices": frappe.db.count("Item Price"),
		"orders": frappe.db.count("Customer Order"),
	}
	return summary
