"""The app's print formats (R13) render the order's items, prices, taxes, totals and addresses, as HTML
and as a PDF made by wkhtmltopdf."""

import functools
import http.server
import io
import os
import re
import threading
import unicodedata

import frappe
import pytest
from frappe.utils import fmt_money

from tests.integration.erp_docs import confirmed_order, invoice, pay
from tests.integration.factories import add_stock, company, make_item, make_order, make_tax_template

ORDER_FORMATS = ("Order Quotation", "Order Confirmation")
INVOICE_FORMATS = ("Order Invoice", "Order Sales Receipt")


@pytest.fixture(autouse=True)
def site_url():
	"""wkhtmltopdf fetches the print stylesheet from the site's URL (frappe's get_pdf), as it does from the
	web server in production. Tests have no web server running, so the bench's `sites/` folder (where
	`/assets` lives) is served on a free local port for the test and the site's host_name points there."""
	handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=os.getcwd())
	handler.log_message = lambda *a, **k: None
	server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
	thread = threading.Thread(target=server.serve_forever, daemon=True)
	thread.start()
	old = frappe.local.conf.get("host_name")
	frappe.local.conf.host_name = f"http://127.0.0.1:{server.server_port}"
	yield
	frappe.local.conf.host_name = old
	server.shutdown()
	server.server_close()


def pdf_text(pdf: bytes) -> str:
	"""The PDF's text, read with pypdf (a dependency of Frappe itself)."""
	from pypdf import PdfReader

	text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
	# the PDF's fonts set "fi" as one ligature glyph: compare plain letters; words are spaced by tabs
	return re.sub(r"[ \t\xa0]+", " ", unicodedata.normalize("NFKC", text))


def add_address(link_doctype: str, link_name: str, city: str, **kw) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": link_name,
				"address_type": "Billing",
				"address_line1": f"{city} Street 1",
				"city": city,
				"country": frappe.db.get_value("Company", company(), "country") or "United States",
				"is_primary_address": 1,
				"links": [{"link_doctype": link_doctype, "link_name": link_name}],
				**kw,
			}
		)
		.insert()
		.name
	)


@pytest.fixture
def priced_order():
	"""An order with two lines and a 6 % tax; the customer and the company have addresses."""
	widget = make_item(price=40, item_name="Blue Widget")
	gear = make_item(price=12.5, item_name="Steel Gear")
	order = make_order(
		items=[{"item_code": widget, "qty": 3}, {"item_code": gear, "qty": 4}],
		taxes_and_charges=make_tax_template(6),
	)
	add_address("Customer", order.customer, "Customerville")
	add_address("Company", company(), "Companytown", is_your_company_address=1)
	return frappe.get_doc("Customer Order", order.name), widget, gear


def expected_amounts(doc):
	cur = doc.currency
	return [fmt_money(v, currency=cur) for v in (doc.net_total, doc.total_taxes_and_charges, doc.grand_total)]


@pytest.mark.parametrize("print_format", ORDER_FORMATS)
def test_order_formats_show_items_prices_taxes_totals_and_addresses(priced_order, print_format):
	order, widget, gear = priced_order
	assert (order.net_total, order.total_taxes_and_charges, order.grand_total) == (170, 10.2, 180.2)

	html = frappe.get_print("Customer Order", order.name, print_format=print_format)
	for text in (
		order.name,
		widget,
		"Blue Widget",
		gear,
		"Steel Gear",
		"Customerville",
		"Companytown",
		"VAT 6",
	):
		assert text in html
	for amount in [fmt_money(40, currency=order.currency), *expected_amounts(order)]:
		assert amount in html

	text = pdf_text(frappe.get_print("Customer Order", order.name, print_format=print_format, as_pdf=True))
	title = "Quotation" if print_format == "Order Quotation" else "Order Confirmation"
	for word in (title, order.name, widget, gear, "Customerville", "Companytown", *expected_amounts(order)):
		assert word in text, f"{word!r} missing from the PDF of {print_format}"


def test_order_confirmation_of_a_draft_says_it_is_not_confirmed_yet(priced_order):
	order, *_ = priced_order
	assert "NOT CONFIRMED YET" in frappe.get_print(
		"Customer Order", order.name, print_format="Order Confirmation"
	)
	order.submit()
	assert "NOT CONFIRMED YET" not in frappe.get_print(
		"Customer Order", order.name, print_format="Order Confirmation"
	)


@pytest.mark.parametrize("print_format", INVOICE_FORMATS)
def test_invoice_formats_show_the_order_reference_and_the_payment_state(print_format):
	item = make_item(price=50, item_name="Red Valve")
	add_stock(item, 5)
	order = confirmed_order([{"item_code": item, "qty": 2}], taxes_and_charges=make_tax_template(10))
	si = invoice(order)
	assert si.grand_total == 110
	cur = si.currency

	html = frappe.get_print("Sales Invoice", si.name, print_format=print_format)
	assert order.name in html and "Not paid" in html
	assert fmt_money(110, currency=cur) in html

	pe = pay(si.name, 40)
	text = pdf_text(frappe.get_print("Sales Invoice", si.name, print_format=print_format, as_pdf=True))
	for word in (
		si.name,
		order.name,
		item,
		"Red Valve",
		fmt_money(50, currency=cur),
		fmt_money(100, currency=cur),
	):
		assert word in text, f"{word!r} missing from the PDF of {print_format}"
	# the payment state: 40 paid of 110, 70 outstanding, by this Payment Entry
	for word in ("Part paid", fmt_money(40, currency=cur), fmt_money(70, currency=cur), pe.name):
		assert word in text, f"{word!r} missing from the PDF of {print_format}"

	pay(si.name, 70)
	assert "Part paid" not in frappe.get_print("Sales Invoice", si.name, print_format=print_format)
	assert ">Paid<" in frappe.get_print("Sales Invoice", si.name, print_format=print_format).replace(
		"<b>", ">"
	).replace("</b>", "<")


def test_the_formats_are_standard_and_belong_to_the_app():
	rows = frappe.get_all(
		"Print Format",
		filters={"name": ("in", ORDER_FORMATS + INVOICE_FORMATS)},
		fields=["name", "doc_type", "standard", "module", "print_format_type"],
	)
	assert {r.name: r.doc_type for r in rows} == {
		"Order Quotation": "Customer Order",
		"Order Confirmation": "Customer Order",
		"Order Invoice": "Sales Invoice",
		"Order Sales Receipt": "Sales Invoice",
	}
	assert {(r.standard, r.module, r.print_format_type) for r in rows} == {("Yes", "Order Mgmt", "Jinja")}
