"""The desk in a real browser (issue 16): playwright driving Debian's chromium against the test site served
by gunicorn on loopback, logged in as the Administrator. A committed draft order is shown on the Order
Pipeline board (its card with customer, grand total, promised date and manager), in its form, in the
print preview; the workspace and every report open; no page logs a JavaScript error (the socket.io
requests of a server without socket.io aside). Screenshots of each step go to $ORDER_MGMT_SCREENSHOTS
(default tests/screenshots in the checkout), which the run keeps.

Not yet driven in the browser: the order's actions (confirm, reserve, deliver, invoice, pay) and dragging
cards; the integration tests cover them on the server."""

import os
import urllib.parse

import frappe
import pytest

from tests.integration.conftest import BENCH
from tests.integration.factories import make_customer, make_item, make_order
from tests.integration.http_site import Server

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
			browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
			page.on(
				"console",
				lambda m: (
					errors.append(f"{page.url}: {m.text}")
					if m.type == "error" and "socket.io" not in m.text and "404" not in m.text
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
			# Chromium resolves every *.localhost name to loopback: the site answers by its own name
			base = f"http://{site}:{server.port}"
			page.goto(f"{base}/login")
			page.fill("#login_email", "Administrator")
			page.fill("#login_password", "admin")
			page.click(".btn-login")
			try:
				page.wait_for_url("**/app**")
			finally:
				page.screenshot(path=os.path.join(SHOTS, "00-login.png"))
			yield frappe._dict(page=page, base=base, order=order, errors=errors)
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
	visit(desk, "/app/customer-order/view/kanban/Order%20Pipeline", ".kanban-card-body", "01-board")
	card = desk.page.locator(".kanban-card-body", has_text=desk.order.name).first
	if not card.count():
		card = desk.page.locator(".kanban-card-body", has_text="_T Browser").first
	text = card.inner_text()
	assert "Customer Name: _T Browser Customer" in text
	assert "Grand Total:" in text and f"{desk.order.grand_total:,.2f}" in text
	assert "Promised Delivery Date:" in text and "Order Manager: Administrator" in text


def test_the_order_form_opens(desk):
	visit(desk, f"/app/customer-order/{desk.order.name}", ".form-layout", "02-form")
	assert desk.page.locator(".timeline-items").count()


def test_the_print_preview_opens(desk):
	path = "/app/print/Customer%20Order/" + urllib.parse.quote(desk.order.name)
	visit(desk, path, ".print-preview, .print-format", "03-print-preview")


def test_the_workspace_and_every_report_open(desk):
	visit(desk, "/app/order-management", ".workspace-sidebar-item, .ce-block", "04-workspace")
	for i, report in enumerate(REPORTS):
		visit(desk, "/app/query-report/" + urllib.parse.quote(report), ".report-wrapper", f"05-report-{i}")
