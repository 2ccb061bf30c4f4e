"""Prints, files and tasks through Frappe's own doors, over real HTTP (issue 23, items 3-5 and their part of 9).

The site runs on gunicorn (tests/integration/http_site.py); users with API keys hold only the roles they would
really hold: an Order User alone (the manager, the deputy, a colleague), an Order User who is also Sales User,
an Order User whose User Permission lets them read only one customer's orders, an Order User with Projects
User, an Order Manager, Sales / Stock / Accounts Users alone, a customer's portal user and a guest.

- A print shows only what its caller may read: a client-made document (`doc` as JSON, without a name or with
  another document's name) is refused or printed as stored, with the caller's right checked on the stored
  one; a format of one doctype never prints another's document; addresses and invoices are read only
  through the stored printed document.
- Files: attaching (upload, or a later `PUT /api/resource/File`) to an order or one of its records needs the
  right to change it, and the record must exist; a guest's upload and the file's owner included.
- Tasks: an Order User alone sees the tasks of the orders they may read, in the list, the counts, the report
  view, a link search and a single get; Projects User keeps ERPNext's view of all tasks.

Every refusal is checked in the database (or in the HTML / PDF answered), not only by its status. The world
is committed (the server is another process) and removed at module teardown."""

import json
import os
import re

import frappe
import pytest
from frappe.utils import fmt_money

from tests.integration import factories
from tests.integration.erp_docs import confirmed_order, invoice, pay
from tests.integration.http_site import Client, Server
from tests.integration.test_portal_http import PASSWORD, portal_user
from tests.integration.test_print_formats import add_address
from tests.integration.test_rest_permissions import PREFIX, World, _set_single, _teardown, fresh

BENCH = os.path.expanduser(os.environ.get("ORDER_MGMT_BENCH", "~/frappe-bench"))

USERS = {
	"manager": ["Order User"],  # manager of A
	"deputy": ["Order User"],  # deputy of A
	"ou": ["Order User"],  # an Order User alone: manager of the draft B, nothing to do with A
	"ou_sales": ["Order User", "Sales User"],
	"limited": ["Order User"],  # a User Permission: only the orders of customer C
	"projects": ["Order User", "Projects User"],
	"boss": ["Order Manager"],
	"sales": ["Sales User"],
	"stock": ["Stock User"],
	"accounts": ["Accounts User"],
	"accounts_limited": ["Accounts User"],  # a User Permission: only the invoices of customer C
}
ORDER_FORMATS = ("Order Confirmation", "Order Quotation")
INVOICE_FORMATS = ("Order Invoice", "Order Sales Receipt")
PRINT = "frappe.www.printview.get_html_and_style"
PDF = "frappe.utils.print_format.download_pdf"
FORGED = "FORGED-NOTE-93K"


# --- the world -------------------------------------------------------------------------------------------


def _build(w: World):
	frappe.set_user("Administrator")
	ctx = w.ctx
	for role, roles in USERS.items():
		w.email[role] = w.users.make(w.name(role), roles, first_name=f"Doors {role}")
	frappe.db.commit()
	tag = w.tag
	ctx["company"] = factories.company()
	for key in ("C", "C2"):
		ctx[key] = factories.make_customer(customer_name=f"{PREFIX}-{tag} Customer {key}")
		w.customers.append(ctx[key])
	ctx["item"] = factories.make_item(price=100, item_code=f"{PREFIX}-{tag}-ITEM")
	w.items.append(ctx["item"])
	supplier = factories.make_supplier()
	w.suppliers.append(supplier)
	w.addresses = [
		add_address("Customer", ctx["C"], f"Customerville{tag}"),
		add_address("Customer", ctx["C2"], f"Othertown{tag}"),
		add_address("Supplier", supplier, f"Secretcity{tag}"),
	]
	ctx["secret_address"] = w.addresses[2]
	frappe.db.commit()

	line = [{"item_code": ctx["item"], "qty": 2, "warehouse": factories.warehouse()}]
	a = confirmed_order(line, customer=ctx["C"], order_manager=w.email["manager"], deputy=w.email["deputy"])
	ctx["A"], ctx["A_total"] = a.name, a.grand_total
	ctx["B"] = factories.make_order(line, customer=ctx["C"], order_manager=w.email["ou"]).name
	x = confirmed_order(line, customer=ctx["C2"], order_manager=w.email["boss"])
	ctx["X"], ctx["X_so"] = x.name, x.sales_order
	frappe.db.commit()
	si_a = invoice(a)
	ctx["SI_A"], ctx["PE_A"] = si_a.name, pay(si_a.name, 10).name
	si_x = invoice(x)
	ctx["SI_X"], ctx["PE_X"] = si_x.name, pay(si_x.name, 7).name
	frappe.db.commit()

	ctx["T_A"] = w.new_task(ctx["A"], "of A")
	ctx["T_B"] = w.new_task(ctx["B"], "of B")
	ctx["T_X"] = w.new_task(ctx["X"], "of X")
	ctx["T_free"] = w.new_task(None, "of no order")
	project = frappe.get_doc(
		{"doctype": "Project", "project_name": f"{PREFIX}-{tag} internal", "company": ctx["company"]}
	).insert(ignore_permissions=True)
	w.projects.append(project.name)
	ctx["T_proj"] = w.new_task(None, "of an internal project", project=project.name)
	ctx["I_A"] = (
		frappe.get_doc(
			{
				"doctype": "Order Information",
				"title": f"{PREFIX} information",
				"customer_order": ctx["A"],
				"information": "text",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	for role in ("limited", "accounts_limited"):
		frappe.permissions.add_user_permission("Customer", ctx["C"], w.email[role])
	portal_user(w, ctx["C"], "portal")
	frappe.db.commit()


def _remove_extras(w: World):
	"""What the shared teardown (test_rest_permissions._teardown) does not know: files, addresses, user
	permissions, the information's comments."""
	fresh()
	frappe.set_user("Administrator")
	emails = list(w.email.values())
	ctx = w.ctx
	records = [v for k, v in ctx.items() if re.fullmatch(r"[ABX]|T_\w+|I_A|SI_\w", k) and v]
	files = frappe.get_all(
		"File",
		or_filters={
			"attached_to_name": ("in", records or [""]),
			"owner": ("in", emails or [""]),
			"file_name": ("like", f"doors-{w.tag}%"),
		},
		pluck="name",
	)
	for name in files:
		frappe.delete_doc("File", name, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.delete("Comment", {"reference_name": ("in", records or [""])})
	frappe.db.delete("User Permission", {"user": ("in", emails or [""])})
	for name in getattr(w, "addresses", []):
		frappe.delete_doc("Address", name, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()


@pytest.fixture(scope="module")
def world(site):
	frappe.set_user("Administrator")
	w = World()
	try:
		_build(w)
		w.server = Server(BENCH, site).start()
		w.clients = {
			role: w.users.client(w.server, email) for role, email in w.email.items() if role != "portal"
		}
		w.clients["guest"] = Client(w.server, "Guest")
		portal = Client(w.server, w.email["portal"])
		r = portal.post("/api/method/login", {"usr": w.email["portal"], "pwd": PASSWORD}, form=True)
		assert r.ok, r
		w.clients["portal"] = portal
		yield w
	finally:
		if w.server:
			w.server.stop()
		try:
			_remove_extras(w)
		finally:
			_teardown(w)


# --- helpers -----------------------------------------------------------------------------------------------


def print_html(w, who, doc, print_format, name=None):
	"""POST get_html_and_style as the desk's print preview sends it (`doc` a JSON document, or a doctype and
	`name`)."""
	args = {"doc": doc, "print_format": print_format}
	if name is not None:
		args["name"] = name
	return w.clients[who].call(PRINT, **args)


def html_of(r) -> str:
	return ((r.json or {}).get("message") or {}).get("html") or ""


def refused(r, *absent):
	"""A 4xx whose answer shows none of `absent`."""
	assert 400 <= r.status < 500, r
	for text in absent:
		assert str(text) not in r.text, f"{text!r} in the refusal: {r.text[:300]}"


def made_up_order(w, **fields) -> dict:
	ctx = w.ctx
	return {
		"doctype": "Customer Order",
		"docstatus": 1,
		"customer": ctx["C"],
		"company": ctx["company"],
		"customer_address": ctx["secret_address"],
		"order_manager": w.email["ou"],
		"notes": FORGED,
		"items": [{"item_code": ctx["item"], "qty": 1, "rate": 0.01}],
		**fields,
	}


def stored_as_dict(doctype, name, **changes) -> dict:
	fresh()
	d = json.loads(frappe.as_json(frappe.get_doc(doctype, name).as_dict(no_nulls=True)))
	d.update(changes)
	return d


def pdf(w, who, **params):
	client = w.clients[who]
	return client.session.get(client.server.base + f"/api/method/{PDF}", params=params, timeout=180)


# --- 3. prints -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ou", "ou_sales", "manager", "boss"])
@pytest.mark.parametrize("print_format", ORDER_FORMATS)
def test_a_made_up_order_is_not_printed(world, who, print_format):
	w = world
	for doc in (made_up_order(w), made_up_order(w, name="new-customer-order-1")):
		r = print_html(w, who, doc, print_format)
		refused(r, f"Secretcity{w.tag}", FORGED)
		assert "Only a saved Customer Order is printed" in r.error, r


@pytest.mark.parametrize("print_format", ORDER_FORMATS)
def test_a_made_up_order_carrying_a_real_name_prints_the_stored_order(world, print_format):
	"""The client's fields claim nothing: the stored order is printed (its address, its total)."""
	w = world
	a = w.ctx["A"]
	forged = stored_as_dict(
		"Customer Order", a, customer_address=w.ctx["secret_address"], notes=FORGED, grand_total=0.01
	)
	forged["items"][0]["rate"] = 0.01
	for who in ("ou", "ou_sales"):
		r = print_html(w, who, forged, print_format)
		assert r.ok, r
		html = html_of(r)
		assert a in html and f"Customerville{w.tag}" in html
		currency = frappe.db.get_value("Customer Order", a, "currency")
		assert fmt_money(w.ctx["A_total"], currency=currency) in html
		assert f"Secretcity{w.tag}" not in html and FORGED not in html
	# a form opened before the order changed: reload first (Frappe judged the state it was handed)
	r = print_html(w, "ou", {**forged, "docstatus": 0}, print_format)
	refused(r, f"Secretcity{w.tag}", FORGED)


def test_another_name_is_printed_only_when_the_caller_may_read_it(world):
	"""`limited` reads only customer C's orders: a document claiming C but named after another customer's
	order (Frappe checks the claim) is refused on the stored order, in the preview and as PDF."""
	w = world
	x = w.ctx["X"]
	claims_c = made_up_order(w, name=x, docstatus=1, customer_address=None)
	for print_format in ORDER_FORMATS:
		r = print_html(w, "limited", claims_c, print_format)
		refused(r, f"Othertown{w.tag}", "Customer C2", FORGED)
		assert "You may not print Customer Order" in r.error, r
		# the same caller may print their customer's order
		assert print_html(w, "limited", "Customer Order", print_format, name=w.ctx["A"]).ok
		r = pdf(w, "limited", doctype="Customer Order", name=x, format=print_format)
		assert r.status_code == 403 and not r.content.startswith(b"%PDF"), r.status_code
	# an invoice named after another customer's invoice prints nothing of that invoice's payments
	claims_c_invoice = {
		"doctype": "Sales Invoice",
		"name": w.ctx["SI_X"],
		"docstatus": 1,
		"customer": w.ctx["C"],
		"company": w.ctx["company"],
	}
	for print_format in INVOICE_FORMATS:
		r = print_html(w, "accounts_limited", claims_c_invoice, print_format)
		refused(r, w.ctx["PE_X"], w.ctx["X"], "Customer C2")
		assert "You may not print Sales Invoice" in r.error, r
		assert print_html(w, "accounts_limited", "Sales Invoice", print_format, name=w.ctx["SI_A"]).ok
		# and an Order User reads no invoice at all (Frappe's own check)
		refused(print_html(w, "ou", claims_c_invoice, print_format), w.ctx["PE_X"])


@pytest.mark.parametrize("print_format", INVOICE_FORMATS)
def test_a_made_up_invoice_carrying_a_real_name_prints_the_stored_invoice(world, print_format):
	w = world
	forged = stored_as_dict("Sales Invoice", w.ctx["SI_A"], customer=w.ctx["C2"], terms=FORGED)
	for row in forged["items"]:
		row["sales_order"] = w.ctx["X_so"]  # the lines claim another customer's order
	r = print_html(w, "accounts", forged, print_format)
	assert r.ok, r
	html = html_of(r)
	assert w.ctx["A"] in html and w.ctx["PE_A"] in html
	for text in (w.ctx["X"], w.ctx["PE_X"], FORGED, f"Othertown{w.tag}"):
		assert text not in html, text


def test_a_stored_invoice_line_naming_another_customers_order_prints_nothing_of_it(world):
	"""What an import or another app may leave in the database: a draft invoice of C whose line names C2's
	Sales Order. The invoice's helpers read only the orders of the invoice's own customer."""
	w = world
	frappe.set_user("Administrator")
	fresh()
	draft = frappe.copy_doc(frappe.get_doc("Sales Invoice", w.ctx["SI_A"]))
	draft.docstatus = 0
	for row in draft.items:
		row.sales_order = row.so_detail = None
	draft.insert()
	frappe.db.set_value("Sales Invoice Item", {"parent": draft.name}, "sales_order", w.ctx["X_so"])
	frappe.db.commit()
	try:
		for print_format in INVOICE_FORMATS:
			r = print_html(w, "accounts", "Sales Invoice", print_format, name=draft.name)
			assert r.ok, r
			assert w.ctx["X"] not in html_of(r) and draft.name in html_of(r)
	finally:
		fresh()
		frappe.delete_doc(
			"Sales Invoice", draft.name, force=True, ignore_permissions=True, delete_permanently=True
		)
		frappe.db.commit()


@pytest.mark.parametrize(
	"who,doctype,key,print_format",
	[
		("manager", "Customer Order", "A", "Order Invoice"),
		("boss", "Customer Order", "A", "Order Sales Receipt"),
		("accounts", "Sales Invoice", "SI_A", "Order Confirmation"),
		("accounts", "Sales Invoice", "SI_A", "Order Quotation"),
	],
)
def test_a_format_never_prints_another_doctypes_document(world, who, doctype, key, print_format):
	w = world
	name = w.ctx[key]
	for r in (
		print_html(w, who, doctype, print_format, name=name),
		print_html(w, who, stored_as_dict(doctype, name), print_format),
	):
		refused(r, f"Customerville{w.tag}")
		assert "This print format prints a" in r.error, r
	r = pdf(w, who, doctype=doctype, name=name, format=print_format)
	assert 400 <= r.status_code < 500 and not r.content.startswith(b"%PDF"), r.status_code
	assert f"Customerville{w.tag}" not in r.text


@pytest.mark.parametrize("who", ["ou", "manager", "portal", "guest"])
def test_download_pdf_with_a_made_up_document_gives_no_pdf(world, who):
	"""Frappe's download_pdf takes `doc` too; a client's JSON never becomes a PDF."""
	w = world
	doc = json.dumps(made_up_order(w, name=w.ctx["A"]))
	r = pdf(w, who, doctype="Customer Order", name=w.ctx["A"], format="Order Confirmation", doc=doc)
	assert not r.ok and not r.content.startswith(b"%PDF"), r.status_code
	assert f"Secretcity{w.tag}" not in r.text and FORGED not in r.text
	# the preview of the same JSON: the stored order for those who may read it, nothing for the others
	r = print_html(w, who, made_up_order(w, name=w.ctx["A"]), "Order Confirmation")
	assert f"Secretcity{w.tag}" not in r.text and FORGED not in r.text
	if who in ("ou", "manager"):
		assert r.ok and w.ctx["A"] in html_of(r) and f"Customerville{w.tag}" in html_of(r), r
	else:
		refused(r, w.ctx["A"])


# --- 4. files --------------------------------------------------------------------------------------------------


def upload(w, who, **form):
	"""POST /api/method/upload_file as the desk's uploader sends it (multipart); answers (response, name)."""
	client = w.clients[who]
	w.uploads = getattr(w, "uploads", 0) + 1
	filename = f"doors-{w.tag}-{w.uploads}.txt"
	r = client.session.post(
		client.server.base + "/api/method/upload_file",
		files={"file": (filename, f"file {w.uploads}".encode(), "text/plain")},
		data={"is_private": 1, **form},
		timeout=180,
	)
	return r, filename


def file_row(filename: str):
	fresh()
	return frappe.db.get_value(
		"File",
		{"file_name": filename},
		["name", "attached_to_doctype", "attached_to_name", "attached_to_field", "owner"],
		as_dict=True,
	)


def next_order_name(w) -> str:
	"""A name the order series has not reached yet."""
	fresh()
	last = frappe.get_all("Customer Order", pluck="name", order_by="creation desc", limit=1)[0]
	digits = re.search(r"(\d+)$", last)
	return last[: digits.start()] + str(int(digits.group(1)) + 1000).zfill(len(digits.group(1)))


def put_file(w, who, name, **fields):
	return w.clients[who].put(f"/api/resource/File/{name}", fields)


def test_a_file_is_not_re_pointed_at_an_order_the_user_may_not_change(world):
	w = world
	ctx = w.ctx
	r, filename = upload(w, "ou")
	assert r.ok, r.text[:500]
	f = file_row(filename)
	assert f and f.owner == w.email["ou"] and not f.attached_to_doctype
	for doctype, name in (
		("Customer Order", ctx["A"]),  # confirmed, of manager / deputy
		("Order Information", ctx["I_A"]),
		("Task", ctx["T_A"]),
		("customer order", ctx["A"]),  # the database compares case-insensitively
		("Customer Order", next_order_name(w)),  # not made yet
	):
		r = put_file(w, "ou", f.name, attached_to_doctype=doctype, attached_to_name=name)
		assert 400 <= r.status < 500, (doctype, name, r)
		after = file_row(filename)
		assert (after.attached_to_doctype, after.attached_to_name) == (None, None), (doctype, after)
	assert (
		"save it first"
		in put_file(
			w, "ou", f.name, attached_to_doctype="Customer Order", attached_to_name=next_order_name(w)
		).error
	)
	# the user's own order (ou plans B): allowed; from there to A: refused; taken off B again: allowed
	assert put_file(w, "ou", f.name, attached_to_doctype="Customer Order", attached_to_name=ctx["B"]).ok
	assert file_row(filename).attached_to_name == ctx["B"]
	r = put_file(w, "ou", f.name, attached_to_name=ctx["A"])
	assert r.status == 403, r
	assert file_row(filename).attached_to_name == ctx["B"]
	r = put_file(w, "ou", f.name, attached_to_doctype=None, attached_to_name=None)
	assert r.ok, r
	assert file_row(filename).attached_to_doctype is None


def test_the_planner_attaches_and_nobody_attaches_to_a_name_not_made_yet(world):
	w = world
	ctx = w.ctx
	# the desk's attach on the order's form and on a record of it
	for who, doctype, name in (
		("manager", "Customer Order", ctx["A"]),
		("deputy", "Order Information", ctx["I_A"]),
		("manager", "Task", ctx["T_A"]),
		("boss", "Customer Order", ctx["X"]),
		("projects", "Task", ctx["T_free"]),  # a task of no order: ERPNext's roles
	):
		r, filename = upload(w, who, doctype=doctype, docname=name)
		assert r.status_code == 200, (who, doctype, r.text[:500])
		f = file_row(filename)
		assert (f.attached_to_doctype, f.attached_to_name, f.owner) == (doctype, name, w.email[who])
	# a name the series has not reached: refused for everyone, Order Managers included
	for who in ("manager", "boss"):
		r, filename = upload(w, who)
		f = file_row(filename)
		r = put_file(
			w, who, f.name, attached_to_doctype="Customer Order", attached_to_name=next_order_name(w)
		)
		assert 400 <= r.status < 500, r
		assert file_row(filename).attached_to_name is None
	# a form not saved yet (the desk's placeholder name; Frappe's upload asks for the right to make such a
	# record): its attach field takes the file, linked to the record once it is saved
	r, filename = upload(w, "boss", doctype="Order Information", docname="new-order-information-xq7k2")
	assert r.status_code == 200, r.text[:500]
	f = file_row(filename)
	assert (f.attached_to_doctype, f.attached_to_name) == ("Order Information", "new-order-information-xq7k2")


@pytest.mark.parametrize(
	"who,doctype,key",
	[
		("ou", "Customer Order", "A"),
		("ou_sales", "Customer Order", "A"),
		("sales", "Customer Order", "A"),
		("stock", "Customer Order", "A"),
		("accounts", "Customer Order", "A"),
		("ou", "Order Information", "I_A"),
		("ou", "Task", "T_A"),
		("ou", "Task", "T_free"),  # a task of no order: the Order User role gives nothing
		("limited", "Customer Order", "X"),
	],
)
def test_an_upload_straight_to_a_record_needs_the_right_to_change_it(world, who, doctype, key):
	w = world
	r, filename = upload(w, who, doctype=doctype, docname=w.ctx[key])
	assert 400 <= r.status_code < 500, r.status_code
	assert file_row(filename) is None


def test_the_owner_of_a_file_on_an_order_does_not_move_or_delete_it_without_the_right(world):
	"""ou once attached a file to A (e.g. as its deputy then): Frappe lets a file's owner change and delete it,
	the order's rule does not."""
	w = world
	ctx = w.ctx
	frappe.set_user("Administrator")
	fresh()
	f = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"doors-{w.tag}-owned.txt",
			"content": b"owned",
			"is_private": 1,
			"attached_to_doctype": "Customer Order",
			"attached_to_name": ctx["A"],
		}
	).insert()
	frappe.db.set_value("File", f.name, "owner", w.email["ou"], update_modified=False)
	frappe.db.commit()
	r = put_file(w, "ou", f.name, attached_to_name=ctx["B"])
	assert r.status == 403, r
	assert "remove files" in r.error
	r = w.clients["ou"].delete(f"/api/resource/File/{f.name}")
	assert r.status == 403, r
	r = w.clients["ou"].call(
		"frappe.desk.form.utils.remove_attach", fid=f.name, dt="Customer Order", dn=ctx["A"]
	)
	assert 400 <= r.status < 500, r
	fresh()
	assert frappe.db.get_value("File", f.name, ["attached_to_doctype", "attached_to_name"]) == (
		"Customer Order",
		ctx["A"],
	)
	# the order's manager removes it
	r = w.clients["manager"].delete(f"/api/resource/File/{f.name}")
	assert r.ok, r
	fresh()
	assert not frappe.db.exists("File", f.name)


def test_a_guests_upload_attaches_to_no_order(world):
	"""With guest uploads allowed (System Settings), Frappe saves a guest's upload with ignore_permissions:
	the order's rule is asked all the same."""
	w = world
	ctx = w.ctx
	frappe.set_user("Administrator")
	fresh()
	_set_single(w, "System Settings", "allow_guests_to_upload_files", 1)
	frappe.clear_document_cache("System Settings", "System Settings")
	frappe.db.commit()
	try:
		for doctype, name in (
			("Customer Order", ctx["A"]),
			("Order Information", ctx["I_A"]),
			("Task", ctx["T_A"]),
			("Customer Order", next_order_name(w)),
		):
			r, filename = upload(w, "guest", doctype=doctype, docname=name, is_private=0)
			assert 400 <= r.status_code < 500, (doctype, r.status_code, r.text[:300])
			assert file_row(filename) is None
		# an upload attached to nothing is still the guest's to make (the setting's purpose)
		r, filename = upload(w, "guest", is_private=0)
		assert r.status_code == 200, r.text[:300]
		f = file_row(filename)
		assert f and f.owner == "Guest" and not f.attached_to_doctype
	finally:
		fresh()
		frappe.db.set_single_value(
			"System Settings",
			"allow_guests_to_upload_files",
			w.saved_settings.pop(("System Settings", "allow_guests_to_upload_files")) or 0,
		)
		frappe.clear_document_cache("System Settings", "System Settings")
		frappe.db.commit()


# --- 5. tasks ---------------------------------------------------------------------------------------------------

ALL_TASKS = ("T_A", "T_B", "T_X", "T_free", "T_proj")
SEES = {
	"ou": ("T_A", "T_B", "T_X"),  # every order an Order User may read; no task of no order
	"manager": ("T_A", "T_B", "T_X"),
	"limited": ("T_A", "T_B"),  # only customer C's orders
	"boss": ("T_A", "T_B", "T_X"),  # the Order Manager role alone: tasks of orders
	"projects": ALL_TASKS,  # Projects User: ERPNext's view
}


def task_filters(w) -> str:
	return json.dumps([["Task", "subject", "like", f"{PREFIX}-{w.tag}%"]])


@pytest.mark.parametrize("who", list(SEES))
def test_the_task_list_count_report_and_get_agree(world, who):
	w = world
	expected = {w.ctx[k] for k in SEES[who]}
	client = w.clients[who]
	filters = task_filters(w)
	r = client.get("/api/resource/Task", params={"filters": filters, "limit_page_length": 0})
	assert r.ok, r
	assert {d["name"] for d in r.data} == expected
	r = client.call("frappe.desk.reportview.get_count", doctype="Task", filters=filters)
	assert r.ok and r.data == len(expected), r
	r = client.call("frappe.client.get_count", doctype="Task", filters=filters)
	assert r.ok and r.data == len(expected), r
	r = client.call(
		"frappe.desk.reportview.get",
		doctype="Task",
		fields=json.dumps(["`tabTask`.`name`", "`tabTask`.`subject`"]),
		filters=filters,
		page_length=100,
	)
	assert r.ok, r
	keys, values = r.data["keys"], r.data["values"]
	assert {dict(zip(keys, v, strict=True))["name"] for v in values} == expected
	r = client.call("frappe.desk.search.search_link", doctype="Task", txt=f"{PREFIX}-{w.tag}", page_length=50)
	assert r.ok, r
	found = {row["value"] for row in (r.json.get("message") or r.json.get("results") or [])}
	assert found <= expected and found, (found, expected)
	for key in ALL_TASKS:
		name = w.ctx[key]
		subject = frappe.db.get_value("Task", name, "subject")
		r = client.get(f"/api/resource/Task/{name}")
		form = client.call("frappe.desk.form.load.getdoc", doctype="Task", name=name)
		value = client.call("frappe.client.get_value", doctype="Task", fieldname="subject", filters=name)
		if name in expected:
			assert r.ok and r.data["name"] == name, (key, r)
			assert form.ok and value.ok and value.data == {"subject": subject}, (key, form, value)
		else:
			assert r.status == 403 and form.status == 403, (key, r, form)
			assert value.ok and not value.data, (key, value)  # Frappe's answer for "no such row"
			for answer in (r, form, value):
				assert subject not in answer.text


@pytest.mark.parametrize("who", ["sales", "stock", "accounts", "portal"])
def test_roles_without_task_read_see_no_task(world, who):
	"""ERPNext's roles: nothing the app changes."""
	w = world
	client = w.clients[who]
	r = client.get("/api/resource/Task", params={"filters": task_filters(w)})
	assert r.status == 403 or (r.ok and not r.data), r
	r = client.get(f"/api/resource/Task/{w.ctx['T_A']}")
	assert r.status in (403, 404), r
	# Frappe's frappe.client.get_count asks no permission: for Task (and the app's doctypes) it counts what
	# the user's list shows, for every other doctype it stays Frappe's
	r = client.call("frappe.client.get_count", doctype="Task", filters=task_filters(w))
	assert r.status == 403 or (r.ok and r.data == 0), r
	if who == "portal":
		r = client.call(
			"frappe.client.get_count", doctype="Customer Order", filters=json.dumps({"customer": w.ctx["C"]})
		)
		assert r.status == 403 or (r.ok and r.data == 0), r
