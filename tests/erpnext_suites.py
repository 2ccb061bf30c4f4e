"""Helpers of tests/erpnext-suites (run with the bench's Python):

erpnext_suites.py failing REPORT.xml SUITE   the failing tests of a JUnit report, one id a line
                                             (module.Class.test); "SUITE: no test ran" for an empty report
erpnext_suites.py ran REPORT.xml             every test of the report, one id a line
erpnext_suites.py reasons REPORT.xml         failing id, exception type and the message's last line
erpnext_suites.py reset SITE                 (in the bench's sites/) put back what a suite leaves behind
"""

import sys
import xml.etree.ElementTree as ET


def _cases(path):
	try:
		return list(ET.parse(path).getroot().iter("testcase"))
	except (OSError, ET.ParseError):
		return []


def _id(case) -> str:
	return f"{case.get('classname')}.{case.get('name')}"


def _problem(case):
	return case.find("failure") if case.find("failure") is not None else case.find("error")


def failing(path, suite):
	cases = _cases(path)
	if not cases:
		print(f"{suite}: no test ran")
	for case in cases:
		if _problem(case) is not None:
			print(_id(case))


def ran(path):
	for case in _cases(path):
		print(_id(case))


def reasons(path):
	for case in _cases(path):
		problem = _problem(case)
		if problem is not None:
			lines = (problem.get("message") or "").strip().splitlines()
			print(f"{_id(case)}\t{problem.get('type')}\t{lines[-1][:300] if lines else ''}")


def reset(site):
	"""What one suite leaves behind that breaks the next ones, put back the way ERPNext's own tests put it
	back (`test_accounting_dimension.disable_dimension`): the accounting dimensions Department and Location.
	Sales Invoice's test_rounding_adjustment_3 enables them (Location mandatory for balance-sheet accounts)
	and disables them at its end, which its own tearDown's rollback undoes (their creation was committed by
	its DDL): every later invoice or payment then fails with "Accounting Dimension Location is
	required for 'Balance Sheet' account Debtors"."""
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		for name in frappe.get_all(
			"Accounting Dimension",
			filters={"disabled": 0, "document_type": ("in", ["Department", "Location"])},
			pluck="name",
		):
			doc = frappe.get_doc("Accounting Dimension", name)
			doc.disabled = 1
			doc.save()
			print(f"put back: accounting dimension {name} disabled")
		frappe.db.commit()
	finally:
		frappe.destroy()


if __name__ == "__main__":
	command, *args = sys.argv[1:]
	{"failing": failing, "ran": ran, "reasons": reasons, "reset": reset}[command](*args)
