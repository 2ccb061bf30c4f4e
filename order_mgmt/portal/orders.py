"""The customer portal (R17): *My Orders* (`/my-orders`) and one page per order (`/my-orders/<name>`) for the
website users ERPNext links to a Customer (the Customer's *Portal Users*, `erpnext.controllers.
website_list_for_contact.get_parents_for_user`), and the order's PDFs.

Only their own: every read is filtered by the user's customers, confirmed orders only (not drafts, not
canceled), and only the fields listed here (never costs, profit, manager, notes, meetings or sources). A
Customer Order is *not* readable through Frappe's generic routes for a website user (no role permission and
no `has_website_permission` hook): `/api/resource`, `/printview` and `download_pdf` in any format answer 403.
The PDFs come from `order_mgmt.api.portal.download_pdf`, in fixed formats (*Order Confirmation*, *Order Invoice*).

Each page reads with a fixed number of queries whatever the number of lines (list: 2, order: 5)."""

import frappe
from erpnext.controllers.website_list_for_contact import get_parents_for_user
from frappe import _
from frappe.query_builder.functions import Coalesce, NullIf
from frappe.utils import escape_html, flt, getdate

from order_mgmt.figures import money
from order_mgmt.rules import portal

ORDER_PRINT_FORMAT = "Order Confirmation"
INVOICE_PRINT_FORMAT = "Order Invoice"

#: the header fields a customer sees
ORDER_FIELDS = (
	"name",
	"customer",
	"customer_name",
	"order_date",
	"delivery_date",
	"status",
	"product_status",
	"currency",
	"grand_total",
	"rounded_total",
	"per_delivered",
	*money.MONEY_FIELDS,
	"sales_order",
)


def customers_of_user() -> list[str]:
	"""The customers whose portal users include the session user (none for Guest)."""
	if frappe.session.user == "Guest" or "Customer" not in frappe.get_roles():
		# ERPNext's portal (get_customers_suppliers) asks for the Customer role as well: a Portal User row
		# alone (any desk user may add one) opens nothing
		return []
	return get_parents_for_user("Customer")


def _visible(co, customers):
	return (
		co.customer.isin(customers or [""])
		& (co.docstatus == 1)
		& co.status.isin(sorted(portal.VISIBLE_STATUSES))
	)


#: orders per page of My Orders
PAGE_LENGTH = 50


def list_orders(customers: list[str], page: int = 1) -> list[frappe._dict]:
	"""One page of the customers' confirmed orders, newest first (one query; one row more than the page
	tells whether another page follows)."""
	if not customers:
		return []
	co = frappe.qb.DocType("Customer Order")
	rows = (
		frappe.qb.from_(co)
		.select(*[co[f] for f in ORDER_FIELDS])
		.where(_visible(co, customers))
		.orderby(co.order_date, order=frappe.qb.desc)
		.orderby(co.name, order=frappe.qb.desc)
		.limit(PAGE_LENGTH + 1)
		.offset((max(page, 1) - 1) * PAGE_LENGTH)
	).run(as_dict=True)
	for r in rows:
		r.step = portal.customer_step(r.status)
	return rows


def get_order(name, customers: list[str]) -> frappe._dict:
	"""One of the customers' confirmed orders; any other name answers as a missing order (404)."""
	row = None
	if isinstance(name, str) and name and customers:
		co = frappe.qb.DocType("Customer Order")
		rows = (
			frappe.qb.from_(co)
			.select(*[co[f] for f in ORDER_FIELDS])
			.where(_visible(co, customers) & (co.name == name))
		).run(as_dict=True)
		row = rows[0] if rows else None
	if not row:
		frappe.throw(
			_("Order {0} not found.").format(escape_html(str(name or ""))),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)
	return row


def order_page(name, customers: list[str]) -> frappe._dict:
	"""Everything the order's page shows: the order, its lines, shipments and invoices (five queries)."""
	order = get_order(name, customers)
	order.step = portal.customer_step(order.status)
	order.step_index = portal.step_index(order.status)
	coi = frappe.qb.DocType("Customer Order Item")
	lines = (
		frappe.qb.from_(coi)
		.select(
			coi.item_code,
			coi.item_name,
			coi.qty,
			coi.uom,
			coi.stock_qty,
			coi.delivered_qty,
			coi.rate,
			coi.amount,
			coi.delivery_date,
			coi.expected_date,
			coi.product_status,
		)
		.where((coi.parent == order.name) & (coi.parenttype == "Customer Order"))
		.orderby(coi.idx)
	).run(as_dict=True)
	for line in lines:
		line.state = portal.customer_line_status(line.product_status)
		line.expected = portal.expected_date(
			line.product_status,
			getdate(line.expected_date) if line.expected_date else None,
			getdate(line.delivery_date) if line.delivery_date else None,
		)
	expected = [line.expected for line in lines if line.expected]
	order.expected_date = max(expected) if expected else None
	order.lines = lines
	order.shipments = shipments(order.sales_order, order.customer)
	order.invoices = invoices(order.sales_order, order.customer)
	return order


def shipments(sales_order: str | None, customer: str) -> list[frappe._dict]:
	"""The submitted Delivery Notes of the Sales Order with their items, and the tracking of an ERPNext
	Shipment to `customer` where one carries the Delivery Note (two queries)."""
	if not sales_order:
		return []
	dn, dni = frappe.qb.DocType("Delivery Note"), frappe.qb.DocType("Delivery Note Item")
	rows = (
		frappe.qb.from_(dni)
		.join(dn)
		.on(dn.name == dni.parent)
		.select(dn.name, dn.posting_date, dn.is_return, dni.item_code, dni.item_name, dni.qty, dni.uom)
		.where((dni.against_sales_order == sales_order) & (dn.docstatus == 1) & (dn.customer == customer))
		.orderby(dn.posting_date)
		.orderby(dn.name)
		.orderby(dni.idx)
	).run(as_dict=True)
	if not rows:
		return []
	out = {}
	for r in rows:
		s = out.get(r.name)
		if s is None:
			s = out[r.name] = frappe._dict(
				name=r.name, posting_date=r.posting_date, is_return=r.is_return, items=[], tracking=[]
			)
		s["items"].append(frappe._dict(item_code=r.item_code, item_name=r.item_name, qty=r.qty, uom=r.uom))
	sh, sdn = frappe.qb.DocType("Shipment"), frappe.qb.DocType("Shipment Delivery Note")
	for t in (
		frappe.qb.from_(sdn)
		.join(sh)
		.on(sh.name == sdn.parent)
		.select(sdn.delivery_note, sh.carrier, sh.awb_number, sh.tracking_url, sh.tracking_status)
		.where(
			sdn.delivery_note.isin(list(out))
			& (sh.docstatus == 1)
			# a Shipment may carry other customers' notes too: only one made for this customer is shown
			& (sh.delivery_to_type == "Customer")
			& (sh.delivery_customer == customer)
		)
	).run(as_dict=True):
		t.tracking_url = t.tracking_url if _is_web_url(t.tracking_url) else None
		out[t.delivery_note].tracking.append(t)
	return list(out.values())


def _is_web_url(url) -> bool:
	return isinstance(url, str) and url.lower().startswith(("https://", "http://"))


def invoices(sales_order: str | None, customer: str) -> list[frappe._dict]:
	"""The submitted Sales Invoices and credit notes of `customer` billing the Sales Order, with ERPNext's
	outstanding amount and the payment state it means (one query)."""
	if not sales_order:
		return []
	si, sii = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Sales Invoice Item")
	rows = (
		frappe.qb.from_(si)
		.select(
			si.name,
			si.posting_date,
			si.due_date,
			si.is_return,
			si.currency,
			si.party_account_currency,
			Coalesce(NullIf(si.rounded_total, 0), si.grand_total).as_("total"),
			Coalesce(NullIf(si.base_rounded_total, 0), si.base_grand_total).as_("base_total"),
			si.outstanding_amount,
		)
		.where(
			si.name.isin(frappe.qb.from_(sii).select(sii.parent).where(sii.sales_order == sales_order))
			& (si.docstatus == 1)
			& (si.customer == customer)
		)
		.orderby(si.posting_date)
		.orderby(si.name)
	).run(as_dict=True)
	for r in rows:
		# the outstanding amount is in the receivable account's currency: compared with the total in that
		# currency (ERPNext's get_total_in_party_account_currency)
		in_party = r.party_account_currency in (None, "", r.currency)
		total = flt(r.total) if in_party else flt(r.base_total)
		r.state = portal.invoice_payment_state(total, flt(r.outstanding_amount), bool(r.is_return))
	return rows
