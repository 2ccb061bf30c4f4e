"""The customer portal over real HTTP (R17): two customers' portal users and a guest on gunicorn.

Customer A's user sees A's confirmed order (list, page, PDFs) and nothing else: not A's draft, not B's
order (404 that names nothing of it), no internal field (manager, sources, internal information, costs);
the Customer Order is not readable through Frappe's generic routes (`/api/resource`, `/printview`,
`download_pdf` in *any* format, Standard included). ERPNext's own `/orders` page of an invoiced, unpaid
order does not call it paid. A browser (playwright + chromium) opens *My Orders* and the order's page and
finds the expected date and the outstanding amount.

The world is committed (the server is another process) and removed at module teardown
(`test_rest_permissions._teardown`)."""

import os
import re
import urllib.parse

import frappe
import pytest
from frappe.installer import update_site_config
from frappe.utils import add_days, fmt_money, format_date, getdate, nowdate
from frappe.utils.password import update_password
from markupsafe import escape

from order_mgmt.api import stock as stock_api
from order_mgmt.api import supply as supply_api
from tests.integration import factories
from tests.integration.erp_docs import confirmed_order, deliver, invoice
from tests.integration.http_site import Client, Server
from tests.integration.test_browser import CHROMIUM, SHOTS, browser_args
from tests.integration.test_print_formats import pdf_text
from tests.integration.test_rest_permissions import World, _teardown

BENCH = os.path.expanduser(os.environ.get("ORDER_MGMT_BENCH", "~/frappe-bench"))
PASSWORD = "Portal-Test-9x!"
SECRET = "INTERNAL-7Q3"
#: Frappe's save-time sanitiser passes a value that parses as JSON: it reaches the page as stored
XSS_NAME = (
	'{"late": "<script>alert(1)</script>"}'  # in the order's internal records: never shown to the customer
)


def portal_user(w: World, customer: str, role: str) -> str:
	"""A website user linked to the customer as ERPNext links them: a Contact and the Customer's Portal
	Users table (saved by a System Manager, ERPNext gives the user the Customer role)."""
	email = f"om-portal-{w.tag}-{role}@example.com"
	frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": f"Portal {role}",
			"user_type": "Website User",
			"send_welcome_email": 0,
		}
	).insert(ignore_permissions=True)
	update_password(email, PASSWORD)
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": f"Portal {role}",
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)
	w.contacts.append(contact.name)
	doc = frappe.get_doc("Customer", customer)
	doc.append("portal_users", {"user": email})
	doc.save(ignore_permissions=True)
	w.users.keys[email] = (None, None)  # removed with the world
	w.email[role] = email
	return email


def _build(w: World):
	frappe.set_user("Administrator")
	ctx = w.ctx
	for role in ("A", "B"):
		customer = factories.make_customer(customer_name=f"om-portal-{w.tag} Customer {role}")
		w.customers.append(customer)
		ctx[f"customer_{role}"] = customer
		portal_user(w, customer, role)
	item = factories.make_item(price=40)
	late_item = factories.make_item(price=15, item_name=XSS_NAME)
	w.items += [item, late_item]
	se = factories.add_stock(item, 10)
	w.stock_entries.append(se.name)
	supplier = factories.make_supplier()
	w.suppliers.append(supplier)
	# A: a confirmed order, shipped in part and invoiced (not paid); one line comes late from a supplier
	a = confirmed_order(
		[{"item_code": item, "qty": 3}, {"item_code": late_item, "qty": 2}],
		customer=ctx["customer_A"],
		delivery_date=add_days(nowdate(), 10),
		order_manager="Administrator",
	)
	ctx["A1"], ctx["so_A1"] = a.name, a.sales_order
	stock_api.reserve(a.name)
	deliver(a, {item: 3})
	po = frappe.get_doc(
		"Purchase Order",
		supply_api.make_purchase_order(
			a.name, supplier=supplier, items=[{"so_detail": a.items[1].so_detail, "qty": 2}]
		)["purchase_order"],
	)
	po.submit()
	po.items[0].expected_delivery_date = add_days(nowdate(), 20)
	po.save()
	ctx["late_date"] = getdate(add_days(nowdate(), 20))
	si = invoice(a, {item: 3})
	ctx["inv_A1"] = si.name
	info = frappe.get_doc(
		{
			"doctype": "Order Information",
			"customer_order": a.name,
			"title": f"{SECRET} margin talk",
			"information": f"{SECRET} our cost is low",
		}
	).insert(ignore_permissions=True)
	ctx["info"] = info.name
	# A: a draft
	ctx["A2"] = factories.make_order(
		items=[{"item_code": item, "qty": 1}], customer=ctx["customer_A"], order_manager="Administrator"
	).name
	# B: a confirmed, invoiced order
	b = confirmed_order(
		[{"item_code": late_item, "qty": 1}], customer=ctx["customer_B"], order_manager="Administrator"
	)
	ctx["B1"], ctx["so_B1"] = b.name, b.sales_order
	ctx["inv_B1"] = invoice(b).name
	frappe.db.commit()
	ctx["A1_doc"] = frappe.get_doc("Customer Order", a.name)


@pytest.fixture(scope="module")
def world(site):
	frappe.set_user("Administrator")
	w = World()
	try:
		_build(w)
		w.server = Server(BENCH, site, statics=True)
		# wkhtmltopdf fetches the print's assets from the site's URL, which is the request's host (the site's
		# name, which only browsers resolve to loopback): point it at the test server for the module
		w.saved_host_name = frappe.conf.get("host_name")
		update_site_config("host_name", w.server.base)
		w.server.start()
		w.clients = {"guest": Client(w.server, "Guest")}
		for role in ("A", "B"):
			client = Client(w.server, w.email[role])
			r = client.post("/api/method/login", {"usr": w.email[role], "pwd": PASSWORD}, form=True)
			assert r.ok, r
			w.clients[role] = client
		yield w
	finally:
		if w.server:
			w.server.stop()
		if w.server:
			update_site_config("host_name", getattr(w, "saved_host_name", None) or "None")
			if not getattr(w, "saved_host_name", None):
				frappe.local.conf.pop("host_name", None)  # update_site_config leaves the text "None" here
		_teardown(w)


def html(w, who, path, params=None):
	client = w.clients[who]
	client.session.headers["Accept"] = "text/html"
	try:
		return client.get(path, params=params)
	finally:
		client.session.headers["Accept"] = "application/json"


def leaks(w, text: str) -> list[str]:
	"""What of the internal side (or of the other customer) a page shows."""
	a = w.ctx["A1_doc"]
	found = [s for s in (SECRET, "Administrator", "Purchase Order", "reserved", "Profit") if s in text]
	found += [f for f in ("order_manager", "profit_amount", "cost_of_goods", "sources") if f'"{f}"' in text]
	assert a.order_manager == "Administrator"
	return found


def test_my_orders_lists_only_the_customers_confirmed_orders(world):
	w = world
	r = html(w, "A", "/my-orders")
	assert r.status == 200, r
	assert w.ctx["A1"] in r.text
	assert w.ctx["A2"] not in r.text  # a draft
	assert w.ctx["B1"] not in r.text and "Customer B" not in r.text
	assert leaks(w, r.text) == []
	r = html(w, "B", "/my-orders")
	assert r.status == 200 and w.ctx["B1"] in r.text and w.ctx["A1"] not in r.text
	# the menu entry of ERPNext's portal
	assert 'href="/my-orders"' in r.text


def test_the_order_page_shows_status_lines_shipments_invoices_and_nothing_internal(world):
	w = world
	a = frappe.get_doc("Customer Order", w.ctx["A1"])
	r = html(w, "A", f"/my-orders/{a.name}")
	assert r.status == 200, r
	text = r.text
	assert format_date(w.ctx["late_date"]) in text  # the late line's expected date
	assert fmt_money(a.outstanding_amount, currency=a.party_account_currency) in text
	assert a.outstanding_amount > 0 and a.payment_status == "Not paid"
	assert "Not paid" in text and w.ctx["inv_A1"] in text
	assert re.search(r"om-current-step[^>]*>\s*Confirmed|Confirmed\s*</li>", text) or "In preparation" in text
	dn = frappe.get_all("Delivery Note Item", {"against_sales_order": a.sales_order}, pluck="parent")[0]
	assert dn in text  # the shipment
	assert "Delayed" in text  # the late line, in the customer's words
	assert leaks(w, text) == []
	# every value is escaped
	assert frappe.db.get_value("Item", w.items[1], "item_name") == XSS_NAME
	assert "<script>alert(1)" not in text and str(escape(XSS_NAME)) in text


def test_another_customers_order_and_a_draft_answer_404_and_name_nothing(world):
	w = world
	for who, name in (("A", w.ctx["B1"]), ("A", w.ctx["A2"]), ("B", w.ctx["A1"]), ("A", "CO-NOPE")):
		r = html(w, who, f"/my-orders/{name}")
		assert r.status == 404, (who, name, r.status)
		other = "Customer B" if who == "A" else "Customer A"
		assert other not in r.text and w.ctx["inv_B1"] not in r.text and w.ctx["inv_A1"] not in r.text
	for name in (w.ctx["A1"], w.ctx["B1"]):
		r = html(w, "guest", f"/my-orders/{name}")
		assert r.status in (401, 403, 404), r.status
		assert "Customer A" not in r.text and "Customer B" not in r.text
	assert html(w, "guest", "/my-orders").status in (401, 403)


def test_the_pdfs_of_the_own_order_and_nothing_else(world):
	w = world
	a1, inv = w.ctx["A1"], w.ctx["inv_A1"]
	method = "/api/method/order_mgmt.api.portal.download_pdf"
	r = w.clients["A"].session.get(w.server.base + method, params={"order": a1}, timeout=180)
	assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[-1500:]
	text = pdf_text(r.content)
	assert a1 in text and SECRET not in text
	r = w.clients["A"].session.get(w.server.base + method, params={"order": a1, "invoice": inv}, timeout=180)
	assert r.status_code == 200 and r.content.startswith(b"%PDF")
	assert inv in pdf_text(r.content)
	refused = [
		("A", {"order": w.ctx["B1"]}),
		("A", {"order": w.ctx["A2"]}),
		("A", {"order": a1, "invoice": w.ctx["inv_B1"]}),
		("B", {"order": a1}),
		("guest", {"order": a1}),
	]
	for who, params in refused:
		r = w.clients[who].session.get(w.server.base + method, params=params, timeout=180)
		assert r.status_code in (403, 404), (who, params, r.status_code)
		assert not r.content.startswith(b"%PDF") and "Customer A" not in r.text


def test_frappes_generic_routes_do_not_open_the_order_in_any_format(world):
	w = world
	a1 = w.ctx["A1"]
	for who in ("A", "B", "guest"):
		client = w.clients[who]
		for fmt in ("Standard", "Order Confirmation", "Order Quotation"):
			r = client.session.get(
				w.server.base + "/api/method/frappe.utils.print_format.download_pdf",
				params={"doctype": "Customer Order", "name": a1, "format": fmt},
				timeout=180,
			)
			assert r.status_code == 403 and not r.content.startswith(b"%PDF"), (who, fmt, r.status_code)
			r = client.session.get(
				w.server.base + "/printview",
				params={"doctype": "Customer Order", "name": a1, "format": fmt},
				timeout=180,
			)
			assert r.status_code in (403, 404) and SECRET not in r.text and "Administrator" not in r.text, (
				who,
				fmt,
				r.status_code,
			)
		r = client.get(f"/api/resource/Customer Order/{urllib.parse.quote(a1)}")
		assert r.status in (403, 404) and "order_manager" not in r.text, (who, r)
		r = client.get("/api/resource/Customer Order", params={"fields": '["name"]'})
		assert r.status in (403, 404) or (r.ok and not r.data), (who, r)
		r = client.get(f"/api/resource/Order Information/{w.ctx['info']}")
		assert r.status in (403, 404) and SECRET not in r.text


def test_erpnexts_orders_page_does_not_call_an_invoiced_order_paid(world):
	"""ERPNext v15.71's /orders shows the Sales Order's own status (To Deliver and Bill, To Bill, Completed):
	never "Paid" (erpnext#38267 was about earlier versions); ours shows the payment state."""
	w = world
	r = html(w, "A", f"/orders/{w.ctx['so_A1']}")
	assert r.status == 200, r
	pill = re.search(r"indicator-pill[^>]*>\s*([^<]+?)\s*<", r.text)
	assert pill and pill.group(1) != "Paid" and "Paid" not in pill.group(1), pill and pill.group(1)
	r = html(w, "A", f"/orders/{w.ctx['so_B1']}")
	assert r.status in (403, 404) or "Customer B" not in r.text


def test_the_browser_finds_the_expected_date_and_the_outstanding_amount(world, site):
	from playwright.sync_api import sync_playwright

	w = world
	a = frappe.get_doc("Customer Order", w.ctx["A1"])
	os.makedirs(SHOTS, exist_ok=True)
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path=CHROMIUM, args=browser_args(site))
		try:
			page = browser.new_page(viewport={"width": 1300, "height": 1000})
			page.set_default_timeout(60_000)
			errors = []
			page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
			base = f"http://{site}:{w.server.port}"
			page.goto(f"{base}/login")
			page.fill("#login_email", w.email["A"])
			page.fill("#login_password", PASSWORD)
			page.click(".btn-login")
			page.wait_for_url(lambda url: "/login" not in url)
			page.goto(f"{base}/my-orders")
			page.wait_for_selector(".om-orders-table")
			page.screenshot(path=os.path.join(SHOTS, "20-portal-my-orders.png"), full_page=True)
			row = page.locator(".om-order-row", has_text=a.name)
			assert row.count() == 1
			outstanding = fmt_money(a.outstanding_amount, currency=a.party_account_currency)
			assert outstanding in row.inner_text()
			row.locator("a.om-order-link").click()
			page.wait_for_selector(".om-order")
			page.screenshot(path=os.path.join(SHOTS, "21-portal-order.png"), full_page=True)
			text = page.inner_text(".om-order")
			assert format_date(w.ctx["late_date"]) in text
			assert outstanding in page.inner_text(".om-outstanding")
			assert errors == []
		finally:
			browser.close()
