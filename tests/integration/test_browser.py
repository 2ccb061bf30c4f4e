"""The desk in a real browser (issue 16): playwright driving Debian's chromium against the test site served
by gunicorn on loopback, logged in as the Administrator. A committed draft order is shown on the Order
Pipeline board (its card with customer, grand total, promised date and manager), in its form, in the
print preview; the workspace and every report open. The whole flow is clicked as a user clicks it: a new
order in the form (customer, warehouse, tax template, items, quantities) gets ERPNext's prices and taxes,
is confirmed through the submit dialog, its Sales Order is opened by its link; Stock → Reserve; Create →
Delivery Note, submitted in its form; Create → Sales Invoice, submitted; Create → Payment; after each the
order's form shows the new statuses and progress by itself (no socket.io on this server). A card is dragged
on the board to an allowed column and to a refused one (the refusal shows). No page logs a JavaScript
error (the socket.io requests of a server without socket.io aside). Screenshots of each step go to
$ORDER_MGMT_SCREENSHOTS (default tests/screenshots in the checkout, not versioned), which the run keeps; a
failing step is named in the failure and has its own screenshot (…-FAILED.png)."""

import contextlib
import os
import re
import urllib.parse

import frappe
import pytest
from frappe.utils import flt, get_absolute_url

from tests.integration.conftest import BENCH
from tests.integration.erp_docs import purge_committed
from tests.integration.factories import (
	add_stock,
	make_customer,
	make_item,
	make_order,
	make_tax_template,
	make_user,
	warehouse,
)
from tests.integration.http_site import Server

#: the desk's path (/app on Frappe v15, /desk on v16), from Frappe's own link helper
DESK = get_absolute_url("Customer Order", "x").rsplit("/", 2)[0]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
]


def browser_args(site: str) -> list[str]:
	"""Chromium's arguments, with the site's name resolved to loopback (Chromium does that by itself for
	*.localhost names only; the v16 test site is v16.local)."""
	return [*ARGS, f"--host-resolver-rules=MAP {site} 127.0.0.1"]


SHOTS = os.environ.get("ORDER_MGMT_SCREENSHOTS") or os.path.join(
	os.path.dirname(__file__), "..", "screenshots"
)
REPORTS = (
	"Order Pipeline and Forecast",
	"Ordered Items",
	"Delayed Orders",
	"Order Invoicing and Payments",
	"Order Profitability",
	"Shipping Log",
)


@pytest.fixture(scope="module")
def desk(site):
	from playwright.sync_api import sync_playwright

	frappe.set_user("Administrator")
	customer = make_customer(customer_name=f"_T Browser Customer {frappe.generate_hash(length=6)}")
	item = make_item(price=25)
	order = make_order(
		items=[{"item_code": item, "qty": 4}], customer=customer, order_manager="Administrator"
	)
	frappe.db.commit()
	server = Server(BENCH, site, statics=True).start()
	os.makedirs(SHOTS, exist_ok=True)
	try:
		with sync_playwright() as p:
			browser = p.chromium.launch(executable_path=CHROMIUM, args=browser_args(site))
			page = browser.new_page(viewport={"width": 1400, "height": 1000})
			page.set_default_timeout(60_000)
			errors = []
			# Frappe's query report re-renders its grid when a page is left while it still loads, and the
			# browser then reports this DOM race of Frappe's own code (seen once under load in CI, on the
			# Ordered Items report): not an error of the app's pages
			frappe_race = "Failed to execute 'removeChild' on 'Node'"
			page.on(
				"pageerror",
				lambda e: None if frappe_race in str(e) else errors.append(f"{page.url}: {e}"),
			)
			# answers a step expects (a refused move answers 417, and the browser logs it)
			expected = []
			page.on(
				"console",
				lambda m: (
					errors.append(f"{page.url}: {m.text}")
					if m.type == "error"
					and "socket.io" not in m.text
					and "404" not in m.text
					and not any(x in m.text for x in expected)
					else None
				),
			)
			page.on(
				"response",
				lambda r: (
					errors.append(f"{r.status} {r.url}")
					if r.status >= 500 or (r.status == 404 and "socket.io" not in r.url)
					else None
				),
			)
			# the site answers by its own name (resolved to loopback: browser_args)
			base = f"http://{site}:{server.port}"
			page.goto(f"{base}/login")
			page.fill("#login_email", "Administrator")
			page.fill("#login_password", "admin")
			page.click(".btn-login")
			try:
				page.wait_for_url(f"**{DESK}**")
			finally:
				page.screenshot(path=os.path.join(SHOTS, "00-login.png"))
			yield frappe._dict(
				page=page, base=base, order=order, errors=errors, expected=expected, browser=browser
			)
			browser.close()
	finally:
		server.stop()
		frappe.db.rollback()
		frappe.delete_doc("Customer Order", order.name, force=True, ignore_permissions=True)
		frappe.delete_doc("Item", item, force=True, ignore_permissions=True)
		frappe.db.delete("Item Price", {"item_code": item})
		frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
		frappe.db.commit()


def visit(desk, path: str, ready: str, shot: str):
	errors_before = len(desk.errors)
	desk.page.goto(desk.base + path)
	desk.page.wait_for_selector(ready, state="attached")
	# the desk polls socket.io for ever (no network idle): its pages render within a moment of loading
	desk.page.wait_for_timeout(1500)
	desk.page.screenshot(path=os.path.join(SHOTS, f"{shot}.png"), full_page=True)
	assert desk.errors[errors_before:] == [], f"{shot}: {desk.errors[errors_before:]}"


def test_the_board_cards_show_customer_total_date_and_manager(desk):
	visit(desk, f"{DESK}/customer-order/view/kanban/Order%20Pipeline", ".kanban-card-body", "01-board")
	card = desk.page.locator(".kanban-card-body", has_text=desk.order.name).first
	if not card.count():
		card = desk.page.locator(".kanban-card-body", has_text="_T Browser").first
	text = card.inner_text()
	assert "Customer Name: _T Browser Customer" in text
	assert "Grand Total:" in text and f"{desk.order.grand_total:,.2f}" in text
	assert "Promised Delivery Date:" in text and "Order Manager: Administrator" in text


def test_the_order_form_opens(desk):
	visit(desk, f"{DESK}/customer-order/{desk.order.name}", ".form-layout", "02-form")
	assert desk.page.locator(".timeline-items").count()


def test_the_print_preview_opens(desk):
	path = f"{DESK}/print/Customer%20Order/" + urllib.parse.quote(desk.order.name)
	visit(desk, path, ".print-preview, .print-format", "03-print-preview")


def test_the_workspace_and_every_report_open(desk):
	visit(desk, f"{DESK}/order-management", ".workspace-sidebar-item, .ce-block", "04-workspace")
	for i, report in enumerate(REPORTS):
		visit(desk, f"{DESK}/query-report/" + urllib.parse.quote(report), ".report-wrapper", f"05-report-{i}")


# --- the whole flow, clicked --------------------------------------------------------------------------


@contextlib.contextmanager
def step(desk, shot: str, what: str):
	"""One step a user takes: its screenshot, the JavaScript errors it caused, and its name when it fails."""
	errors_before = len(desk.errors)
	try:
		yield
		desk.page.wait_for_timeout(300)
	except Exception as e:
		with contextlib.suppress(Exception):
			desk.page.screenshot(path=os.path.join(SHOTS, f"{shot}-FAILED.png"), full_page=True)
		raise AssertionError(f"step {shot} ({what}) failed: {e}") from e
	desk.page.screenshot(path=os.path.join(SHOTS, f"{shot}.png"), full_page=True)
	assert desk.errors[errors_before:] == [], f"step {shot} ({what}): {desk.errors[errors_before:]}"


def pick_link(page, field: str, value: str, row=None):
	"""Type into a Link field (of the form, or of the grid `row`) and choose the suggestion `value`, as a
	user does; waits until the form holds it."""
	control = (
		(row or here(page))
		.locator(f'.frappe-control[data-fieldname="{field}"] input, input[data-fieldname="{field}"]')
		.first
	)
	control.click()
	control.fill(value)
	page.locator(".awesomplete [role=option]:visible", has_text=value).first.click()
	doc = "cur_frm.doc.items[0]" if row else "cur_frm.doc"
	page.wait_for_function(f"(v) => {doc}.{field} === v", arg=value)


def here(page):
	"""The page on screen (the desk keeps the pages visited before, hidden)."""
	return page.locator(".page-container:visible")


def click_menu(page, group: str, label: str):
	"""A button of a group in the form's toolbar (Stock → Reserve, Create → Delivery Note …)."""
	bar = here(page).locator(f'.page-actions .inner-group-button[data-label="{urllib.parse.quote(group)}"]')
	bar.locator("> button").click()
	bar.locator(f'.dropdown-item[data-label="{urllib.parse.quote(label)}"]').click()


def settled_dialog(page):
	"""The open dialog once it has finished opening: Bootstrap (4.6, on Frappe v15 and v16) ignores a
	dialog's hide while its opening animation runs, so a click on the button of a prompt (which hides the
	dialog, then acts) that soon leaves the dialog open over the form, its action done."""
	dialog = page.locator(".modal.show").last
	dialog.wait_for()
	page.wait_for_function(
		"""() => { const open = document.querySelectorAll('.modal.show');
			const modal = open.length && jQuery(open[open.length - 1]).data('bs.modal');
			return modal && !modal._isTransitioning; }"""
	)
	return dialog


def submit_in_form(page):
	"""The form's Submit and the "Permanently Submit …?" dialog's Yes (saved first when the form shows
	"Not Saved": ERPNext's Delivery Note form sets values of its own on opening a draft)."""
	page.wait_for_function("() => cur_frm && !cur_frm.is_new()")
	page.wait_for_timeout(1000)  # the form's onload scripts run
	if page.evaluate("cur_frm.is_dirty()"):
		page.keyboard.press("Control+s")
		page.wait_for_function("() => !cur_frm.is_dirty()")
	here(page).locator(".page-head .primary-action", has_text="Submit").click()
	settled_dialog(page).locator(".btn-primary", has_text="Yes").click()
	page.wait_for_function("() => cur_frm && cur_frm.doc.docstatus === 1 && !cur_frm.is_dirty()")


def order_shows(page, name: str, status: str, progress: tuple[str, ...] = ()):
	"""The order's form is on screen with `status` in its header and the progress texts in its dashboard,
	without any reload by the test."""
	page.wait_for_function(
		"([n, s]) => cur_frm && cur_frm.doc.name === n && cur_frm.page.indicator.text().trim() === s",
		arg=[name, status],
	)
	for text in progress:
		here(page).locator(".order-mgmt-progress .progress-message", has_text=text).first.wait_for()


def test_the_whole_flow_as_a_user_clicks_it(desk):
	page = desk.page
	frappe.set_user("Administrator")
	customer = make_customer(customer_name=f"_T Flow Customer {frappe.generate_hash(length=6)}")
	item = make_item(price=25)
	stock = add_stock(item, 10)
	template = make_tax_template(19)
	store = warehouse()
	frappe.db.commit()
	made = {"orders": []}
	try:
		_flow(desk, page, customer, item, template, store, made)
	finally:
		purge_committed(
			orders=made["orders"],
			items=[item],
			customers=[customer],
			vouchers=[("Stock Entry", stock.name)],
			templates=[template],
		)


def _flow(desk, page, customer, item, template, store, made):
	with step(desk, "10-new-order", "a new order: customer, warehouse, tax template, item and quantity"):
		page.goto(desk.base + f"{DESK}/customer-order/new")
		page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Customer Order' && cur_frm.is_new()")
		pick_link(page, "customer", customer)
		promised = page.evaluate(
			"frappe.datetime.str_to_user(frappe.datetime.add_days(frappe.datetime.get_today(), 10))"
		)
		date = here(page).locator('.frappe-control[data-fieldname="delivery_date"] input')
		date.fill(promised)
		date.press("Escape")
		page.wait_for_function("() => !!cur_frm.doc.delivery_date")
		pick_link(page, "set_warehouse", store)
		pick_link(page, "taxes_and_charges", template)
		grid = here(page).locator('.frappe-control[data-fieldname="items"]')
		if not grid.locator(".grid-body .grid-row").count():
			grid.locator(".grid-add-row").click()
		row = grid.locator(".grid-body .grid-row").first
		row.locator('.grid-static-col[data-fieldname="item_code"]').click()
		pick_link(page, "item_code", item, row=row)
		row.locator('.grid-static-col[data-fieldname="qty"]').click()
		row.locator('input[data-fieldname="qty"]').fill("3")
		row.locator('input[data-fieldname="qty"]').press("Tab")

	with step(desk, "11-prices-and-taxes", "ERPNext's price and the template's taxes appear, then saved"):
		# the form asks the server, which prices it as ERPNext prices a Sales Order
		page.wait_for_function("() => cur_frm.doc.items[0].rate === 25 && (cur_frm.doc.taxes || []).length")
		page.wait_for_function("() => cur_frm.doc.grand_total === 89.25")
		taxes = here(page).locator('.frappe-control[data-fieldname="taxes"]')
		assert "19" in taxes.inner_text()
		page.keyboard.press("Control+s")
		page.wait_for_function("() => cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty()")
		name = page.evaluate("cur_frm.doc.name")
		made["orders"].append(name)
		total = page.evaluate("format_currency(89.25, cur_frm.doc.currency)")
		assert total in here(page).locator('.frappe-control[data-fieldname="grand_total"]').inner_text()
		line = (
			here(page)
			.locator('.frappe-control[data-fieldname="items"] .grid-body .grid-row')
			.first.inner_text()
		)
		assert re.search(r"25[.,]00", line), line

	with step(desk, "12-confirmed", "Submit and the dialog's Yes: the order is confirmed"):
		submit_in_form(page)
		order_shows(page, name, "Confirmed", ("0% delivered", "0% invoiced", "0% paid"))
		sales_order = page.evaluate("cur_frm.doc.sales_order")
		assert sales_order
		# ERPNext's figures are the order's
		frappe.db.rollback()  # a fresh look at what the server committed
		assert flt(frappe.db.get_value("Sales Order", sales_order, "grand_total")) == 89.25
		# the line's id of its Sales Order line is not shown in the line's form
		so_detail = page.evaluate("cur_frm.doc.items[0].so_detail")
		here(page).locator(
			'.frappe-control[data-fieldname="items"] .grid-body .grid-row .btn-open-row'
		).first.click()
		row_form = here(page).locator(".grid-row-open").first
		row_form.wait_for()
		assert so_detail not in row_form.inner_text()
		page.keyboard.press("Escape")

	with step(desk, "13-sales-order", "the link to its Sales Order opens it"):
		here(page).locator(".form-tabs .nav-link", has_text="ERPNext").click()
		here(page).locator(
			f'.frappe-control[data-fieldname="sales_order"] a[href*="{sales_order}"]'
		).first.click()
		page.wait_for_url(f"**{DESK}/sales-order/{sales_order}")
		page.wait_for_function("(n) => cur_frm && cur_frm.doc.name === n", arg=sales_order)
		assert page.evaluate("cur_frm.doc.customer_order") == name
		page.go_back()
		order_shows(page, name, "Confirmed")

	with step(desk, "14-reserved", "Stock → Reserve"):
		click_menu(page, "Stock", "Reserve")
		order_shows(page, name, "Ready for Shipment")
		assert page.evaluate("cur_frm.doc.per_reserved") == 100

	with step(desk, "15-delivery-note", "Create → Delivery Note, submitted in its form"):
		click_menu(page, "Create", "Delivery Note")
		page.wait_for_url(f"**{DESK}/delivery-note/**")
		page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Delivery Note' && !cur_frm.is_new()")
		submit_in_form(page)

	with step(desk, "16-shipped", "back on the order: Shipped, 100% delivered"):
		page.go_back()
		order_shows(page, name, "Shipped", ("100% delivered", "0% invoiced"))

	with step(desk, "17-sales-invoice", "Create → Sales Invoice, submitted in its form"):
		click_menu(page, "Create", "Sales Invoice")
		page.wait_for_url(f"**{DESK}/sales-invoice/**")
		page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Sales Invoice' && !cur_frm.is_new()")
		submit_in_form(page)

	with step(desk, "18-invoiced", "back on the order: 100% invoiced"):
		page.go_back()
		order_shows(page, name, "Shipped", ("100% delivered", "100% invoiced", "0% paid"))
		here(page).locator(".form-tabs .nav-link", has_text="Fulfilment").click()
		assert (
			"Invoiced" in here(page).locator('.frappe-control[data-fieldname="invoice_status"]').inner_text()
		)

	with step(desk, "19-paid", "Create → Payment: the dialog's amount is what the order owes; Record"):
		click_menu(page, "Create", "Payment")
		dialog = settled_dialog(page)
		amount = dialog.locator('input[data-fieldname="amount"]')
		amount.wait_for()
		assert flt(amount.input_value().replace(",", "")) == 89.25
		dialog.locator(".btn-primary", has_text="Record").click()
		order_shows(page, name, "Shipped", ("100% delivered", "100% invoiced", "100% paid"))
		here(page).locator(".form-tabs .nav-link", has_text="Fulfilment").click()
		assert "Paid" in here(page).locator('.frappe-control[data-fieldname="payment_status"]').inner_text()
	frappe.db.rollback()
	assert frappe.db.get_value("Customer Order", name, ["payment_status", "invoice_status"]) == (
		"Paid",
		"Invoiced",
	)


def test_dragging_a_card_on_the_board_moves_or_is_refused(desk):
	page = desk.page
	name = desk.order.name
	assert frappe.db.get_value("Customer Order", name, "status") == "Quotation"
	column = '.kanban-column[data-column-value="{}"]'
	card = f'.kanban-card-wrapper[data-name="{urllib.parse.quote(name)}"]'
	board = frappe.get_doc("Kanban Board", "Order Pipeline")
	orders = {c.column_name: c.order for c in board.columns}

	def drag(to: str):
		# the board's Sortable uses mouse events (forceFallback): press, move in steps, release
		source = page.locator(card).bounding_box()
		target = page.locator(column.format(to)).bounding_box()
		page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 10)
		page.mouse.down()
		page.mouse.move(source["x"] + source["width"] / 2 + 30, source["y"] + 40, steps=5)
		page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 80, steps=15)
		page.mouse.up()

	try:
		with step(desk, "20-board-allowed", "a card dragged from Quotation to Waiting for Confirmation"):
			# the board saves its cards' order once it has loaded (Frappe's update_order); a card dragged
			# before that answer races it on the board's record
			with page.expect_response(lambda r: r.url.endswith("kanban_board.update_order")):
				page.goto(desk.base + f"{DESK}/customer-order/view/kanban/Order%20Pipeline")
			page.locator(card).wait_for()
			drag("Waiting for Confirmation")
			page.locator(column.format("Waiting for Confirmation") + " " + card).wait_for()
			page.wait_for_function("() => !frappe.dom.freeze_count")
			frappe.db.rollback()
			assert frappe.db.get_value("Customer Order", name, "status") == "Waiting for Confirmation"

		# the refusal is the server's answer (417), which the desk also logs with its message
		desk.expected.extend(["status of 417", "Confirm the order by submitting it"])
		# (a column near by: the board scrolls sideways under a card dragged far)
		with step(desk, "21-board-refused", "a card dragged to Confirmed: refused with the reason"):
			drag("Confirmed")
			message = page.locator(".modal.show .msgprint")
			message.wait_for()
			assert "Confirm the order by submitting it" in message.inner_text()
			page.locator(".modal.show .btn-modal-close").first.click()
			page.locator(column.format("Waiting for Confirmation") + " " + card).wait_for()
			frappe.db.rollback()
			assert frappe.db.get_value("Customer Order", name, "status") == "Waiting for Confirmation"
	finally:
		desk.expected.clear()
		frappe.db.rollback()
		for c in frappe.get_doc("Kanban Board", "Order Pipeline").columns:
			frappe.db.set_value("Kanban Board Column", c.name, "order", orders.get(c.column_name))
		frappe.db.commit()


def signed_in(desk, context, user: str, password: str):
	"""A page of a new browser context, logged in as `user` on the desk."""
	page = context.new_page()
	page.set_default_timeout(60_000)
	page.goto(f"{desk.base}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url(f"**{DESK}**")
	return page


def test_a_german_user_sees_the_desk_in_german(desk):
	"""A user whose language is German (User.language) gets the app's labels in German in the desk."""
	frappe.set_user("Administrator")
	user = make_user("Order Manager")
	password = frappe.generate_hash(length=16)
	frappe.db.set_value("User", user, "language", "de")
	from frappe.utils.password import update_password

	update_password(user, password)
	frappe.db.commit()
	context = desk.browser.new_context(viewport={"width": 1400, "height": 1000})
	try:
		page = signed_in(desk, context, user, password)
		page.goto(f"{desk.base}{DESK}/customer-order/new")
		page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Customer Order'")
		page.wait_for_timeout(1000)
		page.screenshot(path=os.path.join(SHOTS, "30-german-form.png"), full_page=True)
		labels = here(page).inner_text()
		assert "Zugesagtes Lieferdatum" in labels and "Umsetzung" in labels, labels[:500]
		assert "Kundenbestellung" in page.title() or "Kundenbestellung" in labels
	finally:
		context.close()
		frappe.db.rollback()
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()


def test_the_form_offers_only_what_the_user_may_do(desk):
	"""An Order User with ERPNext's sales, stock and accounts roles opens a colleague's confirmed order: no
	Status, Stock, Create or Workspace menu and no Cancel (the server would refuse each); their own order
	offers the menus (cancelling an order is the Order Manager's)."""
	frappe.set_user("Administrator")
	roles = ("Order User", "Sales User", "Stock User", "Accounts User")
	me, colleague = make_user(*roles), make_user(*roles)
	password = frappe.generate_hash(length=16)
	from frappe.utils.password import update_password

	update_password(me, password)
	item = make_item(price=12)
	stock = add_stock(item, 10)
	customer = make_customer(customer_name=f"_T Offered {frappe.generate_hash(length=6)}")
	orders = {}
	for key, manager in (("mine", me), ("theirs", colleague)):
		order = make_order(items=[{"item_code": item, "qty": 2}], customer=customer, order_manager=manager)
		order.submit()
		orders[key] = order.name
	frappe.db.commit()
	context = desk.browser.new_context(viewport={"width": 1400, "height": 1000})
	try:
		page = signed_in(desk, context, me, password)

		def offered(name: str, shot: str) -> tuple[set, bool]:
			page.goto(f"{desk.base}{DESK}/customer-order/{name}")
			page.wait_for_function(
				"(n) => cur_frm && cur_frm.docname === n && cur_frm.doc.__onload", arg=name
			)
			page.wait_for_timeout(2500)  # the form's scripts and the workspace panel have run
			page.screenshot(path=os.path.join(SHOTS, f"{shot}.png"), full_page=True)
			groups = set(
				here(page)
				.locator(".page-actions .inner-group-button")
				.evaluate_all(
					"els => els.filter(e => e.offsetParent).map(e => decodeURIComponent(e.dataset.label))"
				)
			)
			cancel = here(page).locator(".page-actions .btn-secondary:visible", has_text="Cancel").count() > 0
			return groups, cancel

		groups, cancel = offered(orders["theirs"], "40-colleagues-order")
		assert not page.locator(".modal.show .msgprint").count(), "a message popped up on opening the form"
		assert not groups & {"Status", "Stock", "Create", "Workspace"}, groups
		assert not cancel
		groups, cancel = offered(orders["mine"], "41-own-order")
		assert {"Stock", "Create", "Workspace"} <= groups, groups
	finally:
		context.close()
		purge_committed(
			orders=list(orders.values()),
			items=[item],
			customers=[customer],
			vouchers=[("Stock Entry", stock.name)],
		)
		for user in (me, colleague):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
