"""Integration tests run inside a real ERPNext v15 or v16 site (tests/run prepares it).

Each test runs in the site's database transaction and is rolled back afterwards; the session checks at the
end that no test left records behind."""

import os

import pytest

BENCH = os.path.expanduser(os.environ.get("ORDER_MGMT_BENCH", "~/frappe-bench"))
SITE = os.environ.get("ORDER_MGMT_TEST_SITE", "order-mgmt-test.localhost")

#: tables whose row counts must be the same before and after the whole session
WATCHED = (
	"Customer Order",
	"Customer Order Item",
	"Sales Order",
	"Sales Order Item",
	"Item",
	"Customer",
	"Item Price",
	"Pricing Rule",
	"Stock Ledger Entry",
	"GL Entry",
	"User",
)


def _counts():
	import frappe

	return {t: frappe.db.count(t) for t in WATCHED if frappe.db.table_exists(t)}


def _close_pdf_browser():
	"""Frappe v16's Chrome PDF generator keeps its browser running for the process, and after it: closed
	with the session (v15 has no such generator)."""
	try:
		from frappe.utils.pdf_generator.chrome_pdf_generator import ChromePDFGenerator
	except ImportError:
		return
	generator = ChromePDFGenerator._instance
	process = getattr(generator, "_chromium_process", None)
	if process and process.poll() is None:
		process.terminate()
		process.wait(timeout=30)


@pytest.fixture(scope="session", autouse=True)
def site():
	if not os.path.isfile(os.path.join(BENCH, "sites", SITE, "site_config.json")):
		pytest.exit(f"no test site {SITE} in {BENCH}: run tests/run, which creates it", returncode=1)
	os.chdir(os.path.join(BENCH, "sites"))
	import frappe

	if hasattr(frappe, "in_test"):
		frappe.in_test = True  # Frappe v16's test mode (v15: the flag below)
	frappe.init(site=SITE, sites_path=".")
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user("Administrator")
	before = _counts()
	yield frappe.local.site
	frappe.db.rollback()
	after = _counts()
	_close_pdf_browser()
	frappe.destroy()
	leaked = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
	assert not leaked, f"tests left records behind (before, after): {leaked}"


@pytest.fixture(autouse=True)
def rollback(site):
	import frappe

	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.local.flags.pop("status_action", None)
