"""E-mails to the customer (R17), queued from the recompute path: once on confirmation, once on shipping,
once per change of the expected date of a delayed order, none when switched off; the contact on the
order. And the portal order page reads with a fixed number of queries whatever the number of lines."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import portal as portal_api
from order_mgmt.api import supply as supply_api
from order_mgmt.figures import engine
from order_mgmt.portal import orders as portal_orders
from tests.integration.erp_docs import deliver
from tests.integration.factories import (
	add_stock,
	counted_queries,
	make_customer,
	make_item,
	make_order,
	make_supplier,
	refused,
	request_done,
)


@pytest.fixture(autouse=True)
def forget_the_email_account():
	"""Frappe keeps the outgoing Email Account per process (`frappe.local.outgoing_email_account`, as its own
	tests reset it): the test's account is rolled back, later tests must not send through it."""
	yield
	frappe.local.outgoing_email_account = {}


def customer_with_contact():
	customer = make_customer()
	email = f"_t_{frappe.generate_hash(length=8)}@example.com"
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Portal",
			"last_name": "Buyer",
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert()
	frappe.db.set_value("Customer", customer, "customer_primary_contact", contact.name)
	return customer, contact.name, email


def portal_user(customer):
	"""A website user made one of the customer's Portal Users the way a System Manager does it (saving the
	customer gives the user ERPNext's Customer role)."""
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"_t_{frappe.generate_hash(length=8)}@example.com",
			"first_name": "Portal",
			"user_type": "Website User",
			"send_welcome_email": 0,
		}
	).insert()
	doc = frappe.get_doc("Customer", customer)
	doc.append("portal_users", {"user": user.name})
	doc.save()
	return frappe.get_doc("User", user.name)


def notify(on: bool):
	"""Switch the e-mails on (with an outgoing e-mail account, which the settings ask for) or off."""
	if on and not frappe.db.exists("Email Account", "_T Outgoing"):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_T Outgoing",
				"email_id": "orders@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"no_smtp_authentication": 1,
			}
		).insert()
	settings = frappe.get_single("Order Management Settings")
	settings.notify_customers = int(on)
	settings.save()


def mails(order: str, word: str) -> int:
	"""E-mails queued for the order whose subject says `word` (confirmed, shipped, delayed)."""
	return len(
		[
			m
			for m in frappe.get_all(
				"Email Queue",
				filters={"reference_doctype": "Customer Order", "reference_name": order},
				pluck="message",
			)
			if f"Subject: Your order {order} " in m and word in m.split("Subject:", 1)[1].split("\n", 1)[0]
		]
	)


def confirmed(customer, item, qty=2, days=10):
	order = make_order(
		items=[{"item_code": item, "qty": qty}], customer=customer, delivery_date=add_days(nowdate(), days)
	)
	order_api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def test_the_contact_defaults_to_the_customers_primary_contact_and_must_be_theirs():
	customer, contact, _email = customer_with_contact()
	order = make_order(customer=customer)
	assert order.contact_person == contact
	_other_customer, other_contact, _e = customer_with_contact()
	order.contact_person = other_contact
	with refused(match="not a contact of customer"):
		order.save()


def test_one_mail_on_confirmation_and_one_on_shipping():
	notify(True)
	customer, _contact, email = customer_with_contact()
	item = make_item(price=30)
	add_stock(item, 5)
	order = confirmed(customer, item)
	assert mails(order.name, "confirmed") == 1
	recipients = frappe.get_all(
		"Email Queue Recipient",
		filters={
			"parent": ("in", frappe.get_all("Email Queue", {"reference_name": order.name}, pluck="name"))
		},
		pluck="recipient",
	)
	assert recipients == [email]
	deliver(order)
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Shipped"
	assert mails(order.name, "shipped") == 1
	engine.recompute([order.name])
	order_api.complete(order.name)
	engine.recompute([order.name])
	assert (mails(order.name, "confirmed"), mails(order.name, "shipped")) == (1, 1)
	assert mails(order.name, "delayed") == 0


def supplied_by_a_purchase_order():
	"""A confirmed order of a customer with a contact, its 4 units coming from a submitted Purchase Order."""
	customer, _contact, _email = customer_with_contact()
	order = confirmed(customer, make_item(price=20), qty=4)
	po = frappe.get_doc(
		"Purchase Order",
		supply_api.make_purchase_order(order.name, supplier=make_supplier())["purchase_order"],
	)
	po.submit()
	request_done()
	return order, po


def test_one_delay_mail_per_change_of_the_expected_date():
	notify(True)
	order, po = supplied_by_a_purchase_order()
	delivery = getdate(order.items[0].delivery_date)
	assert mails(order.name, "delayed") == 0  # on the delivery date: possibly delayed, not Delayed

	def supplier_promises(day):
		po.reload()
		po.items[0].expected_delivery_date = day
		po.save()
		request_done()

	supplier_promises(add_days(delivery, 5))
	row = frappe.get_doc("Customer Order", order.name)
	assert row.product_status == "Delayed"
	assert getdate(row.announced_expected_date) == add_days(delivery, 5)
	assert mails(order.name, "delayed") == 1
	engine.recompute([order.name])
	supplier_promises(add_days(delivery, 5))  # saved again, same date: nothing new to tell
	assert mails(order.name, "delayed") == 1
	# the next day (no window to wait for), a new date is told
	engine.recompute([order.name], today=add_days(nowdate(), 1))
	supplier_promises(add_days(delivery, 9))
	engine.recompute([order.name], today=add_days(nowdate(), 1))
	assert mails(order.name, "delayed") == 2
	body = frappe.get_all(
		"Email Queue", filters={"reference_name": order.name}, pluck="message", order_by="creation desc"
	)[0]
	assert frappe.utils.format_date(add_days(delivery, 9)) in body.replace("=\n", "")


def delay_mail_dates(order: str) -> list[str]:
	"""The expected dates the order's delay e-mails told, oldest first."""
	bodies = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Customer Order", "reference_name": order},
		pluck="message",
		order_by="creation asc",
	)
	return [
		b.replace("=\n", "").split("expect to ship it on ", 1)[1].split(".", 1)[0]
		for b in bodies
		if "expect to ship it on " in b.replace("=\n", "")
	]


@pytest.mark.parametrize("days", [1, 2])
def test_a_burst_of_date_changes_sends_one_mail_per_window_and_never_a_date_twice(days):
	"""A supplier's date moved back and forth: at most one delay mail per order per window (Order
	Management Settings → Days Between Delay E-mails), the latest news when the window ends (the order's
	next check is that day, so the nightly run tells it), and never a date the customer was told."""
	notify(True)
	settings = frappe.get_single("Order Management Settings")
	settings.delay_mail_days = days
	settings.save()
	try:
		burst_of_date_changes(days)
	finally:
		# (the database is rolled back after the test; the connection's cache of the setting is not)
		settings.reload()
		settings.delay_mail_days = 1
		settings.save()


def burst_of_date_changes(days: int):
	order, po = supplied_by_a_purchase_order()
	delivery = getdate(order.items[0].delivery_date)
	today = getdate(nowdate())

	def supplier_promises(day):
		po.reload()
		po.items[0].expected_delivery_date = add_days(delivery, day)
		po.save()
		request_done()

	fmt = lambda day: frappe.utils.format_date(add_days(delivery, day))  # noqa: E731
	for day in (5, 9, 5, 12, 9, 14):  # a burst on one day
		supplier_promises(day)
	assert delay_mail_dates(order.name) == [fmt(5)]
	stored = frappe.db.get_value(
		"Customer Order", order.name, ["announced_expected_date", "next_check"], as_dict=True
	)
	assert getdate(stored.announced_expected_date) == add_days(delivery, 5)  # 14 not told yet
	assert getdate(stored.next_check) <= add_days(today, days)  # the nightly run comes back for it
	# inside the window nothing more goes out, whatever recomputes the order
	if days > 1:
		engine.recompute([order.name], today=add_days(today, days - 1))
		assert delay_mail_dates(order.name) == [fmt(5)]
	# the window ends: the latest news only
	engine.recompute([order.name], today=add_days(today, days))
	assert delay_mail_dates(order.name) == [fmt(5), fmt(14)]
	# back to dates the customer was told, even days later: never mailed again
	later = add_days(today, 3 * days)
	for day in (5, 14):
		supplier_promises(day)
		engine.recompute([order.name], today=later)
	assert delay_mail_dates(order.name) == [fmt(5), fmt(14)]
	# a date never told, after the window: told
	supplier_promises(20)
	engine.recompute([order.name], today=later)
	assert delay_mail_dates(order.name) == [fmt(5), fmt(14), fmt(20)]


def test_no_mail_when_switched_off_but_the_order_remembers():
	notify(False)
	customer, _contact, _email = customer_with_contact()
	item = make_item(price=30)
	add_stock(item, 5)
	order = confirmed(customer, item)
	deliver(order)
	assert frappe.db.count("Email Queue", {"reference_name": order.name}) == 0
	# switched on later: no old news
	assert frappe.db.get_value("Customer Order", order.name, "announced_status") == "Shipped"
	notify(True)
	engine.recompute([order.name])
	assert frappe.db.count("Email Queue", {"reference_name": order.name}) == 0


def test_the_order_page_reads_with_a_fixed_number_of_queries():
	customer, _contact, _email = customer_with_contact()
	counts = []
	for lines in (2, 20):
		items = [{"item_code": make_item(price=10 + i), "qty": 1} for i in range(lines)]
		order = make_order(items=items, customer=customer)
		order.submit()
		with counted_queries() as queries:
			page = portal_orders.order_page(order.name, [customer])
		assert len(page.lines) == lines
		counts.append(len(queries))
	assert counts[0] == counts[1] <= 5, counts


def test_the_contact_of_a_confirmed_order_must_still_be_the_customers():
	"""The contact may be changed after confirmation (who gets the mails), only to one of the customer's."""
	customer, _contact, _email = customer_with_contact()
	order = confirmed(customer, make_item(price=10))
	_other_customer, other_contact, _e = customer_with_contact()
	order.contact_person = other_contact
	with refused(match="not a contact of customer"):
		order.save()
	assert frappe.db.get_value("Customer Order", order.name, "contact_person") == _contact


def test_a_primary_contact_of_another_customer_is_not_mailed():
	notify(True)
	customer, _contact, _email = customer_with_contact()
	_other, other_contact, other_email = customer_with_contact()
	order = confirmed(customer, make_item(price=10))
	# the customer's primary contact is set (ERPNext does not check it) to a contact of another customer
	frappe.db.set_value("Customer Order", order.name, "contact_person", None)
	frappe.db.set_value("Customer", customer, "customer_primary_contact", other_contact)
	frappe.db.set_value(
		"Customer Order", order.name, {"announced_status": "", "announced_expected_date": None}
	)
	engine.recompute([order.name])
	assert not frappe.get_all("Email Queue Recipient", filters={"recipient": other_email}, pluck="name")


def test_a_portal_user_without_the_customer_role_sees_no_orders():
	"""As ERPNext's portal: a row in the Customer's Portal Users opens the customer only with the Customer
	role (which ERPNext gives when a System Manager saves the customer)."""
	customer, _contact, _email = customer_with_contact()
	user = portal_user(customer)
	frappe.set_user(user.name)
	try:
		assert portal_orders.customers_of_user() == [customer]
	finally:
		frappe.set_user("Administrator")
	user.reload()
	user.remove_roles("Customer")
	frappe.set_user(user.name)
	try:
		assert portal_orders.customers_of_user() == []
	finally:
		frappe.set_user("Administrator")


def test_my_orders_shows_a_page_at_a_time(monkeypatch):
	monkeypatch.setattr(portal_orders, "PAGE_LENGTH", 2)
	customer, _contact, _email = customer_with_contact()
	item = make_item(price=10)
	names = [confirmed(customer, item).name for _ in range(3)]
	first = portal_orders.list_orders([customer], 1)
	assert [o.name for o in first] == sorted(names, reverse=True)  # a page and the one row telling "more"
	assert [o.name for o in portal_orders.list_orders([customer], 2)] == sorted(names)[:1]


def test_the_pdf_is_only_the_fixed_customer_format_never_a_fallback(monkeypatch):
	"""download_pdf prints the order in its customer format, whatever print settings the request sends; a
	disabled format answers "not available" rather than Frappe's Standard format (internal fields). (The PDFs
	themselves are made over HTTP in test_portal_http.)"""
	printed = []

	def get_print(doctype, name, print_format=None, **kwargs):
		printed.append((doctype, name, print_format, dict(frappe.form_dict)))
		return b"%PDF-1.4"

	monkeypatch.setattr(frappe, "get_print", get_print)
	customer, _contact, _email = customer_with_contact()
	order = confirmed(customer, make_item(price=10))
	user = portal_user(customer)
	frappe.set_user(user.name)
	try:
		frappe.form_dict.settings = '{"compact_item_print": 0}'
		portal_api.download_pdf(order.name)
		assert frappe.local.response.filecontent.startswith(b"%PDF")
		assert [p[:3] for p in printed] == [("Customer Order", order.name, portal_orders.ORDER_PRINT_FORMAT)]
		assert "settings" not in printed[0][3]
		frappe.db.set_value("Print Format", portal_orders.ORDER_PRINT_FORMAT, "disabled", 1)
		frappe.local.response.filecontent = None
		with refused(frappe.DoesNotExistError, match="not available"):
			portal_api.download_pdf(order.name)
		assert frappe.local.response.filecontent is None and len(printed) == 1
	finally:
		frappe.set_user("Administrator")
		frappe.local.response.pop("filecontent", None)
		frappe.local.response.pop("type", None)
		frappe.local.response.pop("filename", None)
