"""Frappe / ERPNext v15 and v16: every difference the app meets, handled here and nowhere else.

The rest of the app asks this module instead of testing versions itself. On v15 each helper does exactly
what the app did before v16 was supported (same queries, same results); the v16 branches follow what
ERPNext v16 changed:

- **Advances against a Sales Order** (`sales_order_advances`, `advances_changed_since`,
  `PAYMENTS_BY_SALES_ORDER`): v15's payment ledger books an advance *against the Sales Order*; v16 books
  it against the payment itself and records the Sales Order in the *Advance Payment Ledger Entry*
  (event "Submit" while no invoice has taken it, "Adjustment" once one has).
- **Stock Reservation Entries** (`sre_open_qty`, `SRE_DONE_STATUSES`): v16 reserves for Work Orders,
  Production Plans and subcontracting too, and has the statuses "Partially Used" and "Closed" and the
  quantities `transferred_qty` and `consumed_qty`. The app counts only what is reserved against its
  Sales Orders (`voucher_type = "Sales Order"`), and what a reservation still holds as ERPNext v16 counts
  it for a Bin (`get_sre_reserved_qty_for_item_and_warehouse`).
- **Delivery Schedule** (`delivery_schedules`): v16 lets a Sales Order line be delivered on several
  dates (Delivery Schedule Item); v15 has no such table.
- **Print formats as PDF** (`pdf_generator`): v16 can render PDFs with Chrome (`pdf_generator =
  "chrome"`), which the app uses when the server has no wkhtmltopdf (Debian's testing dropped it).
- **Documents** (`DOCUMENT_UPDATE_SKIPS_SET`): v16's `Document.update` no longer goes through `set`.
- **ERPNext's mappers** (`map_purchase_order`): v16's Sales Order → Purchase Order mapper returns a list.
- **Versions** (`VERSIONS_RECORD_EMPTY_CHANGES`): v16's tax rows record "0 → empty" changes.
- **Queries** (`list_query_sql`, `list_count`): v16's `get_list(run=False)` returns a query object, not
  SQL text, and its `fields` take no SQL functions.
- **Manufacturing defaults** (`manufacturing_defaults`): v16 keeps the default WIP / finished-goods
  warehouses on the Company, not in Manufacturing Settings.
- **Permission hooks** (`NO_OBJECTION`, `has_permission_quietly`): v16 treats a `has_permission` hook's
  None as a refusal, and its refusal of a document may queue a message that tells the document exists.
- **Desk workspace** (`remove_desktop_entries`): v16 makes a desktop icon and a sidebar for the app's
  workspace at install; uninstall removes them.

What needs no branch, because one call works on both: desk links (`frappe.utils.get_absolute_url`,
`frappe.utils.get_url_to_form`, and `frappe.router.make_url` / `frappe.utils.get_form_link` in the
browser: v16 moved the desk from `/app` to `/desk`), and aggregates (v16's `get_all` refuses SQL
functions in `fields`: the app sums and counts with the Query Builder).
"""

import shutil

import frappe

FRAPPE_MAJOR = int(frappe.__version__.split(".")[0])


def is_version(major: int) -> bool:
	"""Frappe's major version is `major` (as frappe/crm's `is_frappe_version`)."""
	return FRAPPE_MAJOR == major


def at_least(major: int) -> bool:
	return FRAPPE_MAJOR >= major


#: ERPNext v16 leaves None in fields of the rows it computes (a tax row's `net_amount`,
#: `included_in_paid_amount` …) where the saved row has 0: Frappe's Version then records "0 → empty" for
#: each, which is no change a user made (the timeline leaves such changes out)
VERSIONS_RECORD_EMPTY_CHANGES = at_least(16)


# --- queries -------------------------------------------------------------------------------------------------


def list_query_sql(doctype: str, **kwargs) -> str:
	"""The SQL of `frappe.get_list(doctype, **kwargs)` with the user's permission conditions, not run: v15
	returns it as text (`run=False`); v16 returns a Query Builder query, whose values are rendered here
	with the database driver's own escaping."""
	query = frappe.get_list(doctype, run=False, **kwargs)
	if isinstance(query, str):
		return query
	from frappe.query_builder.utils import prepare_query

	sql, params = prepare_query(query)
	return frappe.db.mogrify(sql, params) if params else sql


def list_count(doctype: str, **kwargs) -> int:
	"""How many records `frappe.get_list(doctype, **kwargs)` lists for the user (each once). v15 counts in
	the list query (`count(distinct …)` as a field); v16 refuses SQL functions in `fields`, so its list
	query is counted as a subquery."""
	if not at_least(16):
		rows = frappe.get_list(
			doctype,
			fields=[f"count(distinct `tab{doctype}`.`name`) as total"],
			limit_page_length=0,
			**kwargs,
		)
		return rows[0].total if rows else 0
	sql = list_query_sql(doctype, fields=[f"`tab{doctype}`.`name`"], limit_page_length=0, **kwargs)
	return frappe.db.sql(f"select count(distinct listed.name) from ({sql}) listed")[0][0]


# --- permissions ----------------------------------------------------------------------------------------------

#: what a `has_permission` hook returns when it does not object: v15 reads None as "no opinion" (and a
#: True would stop it asking the next hook); v16 asks every hook and reads None as a refusal
NO_OBJECTION = True if at_least(16) else None


# --- documents ------------------------------------------------------------------------------------------------

#: v16's `Document.update` (used by `frappe.get_doc(dict)`, `doc.update(dict)`) writes the values without
#: `Document.set`, where v15 went through it: the app's input checks (`order_mgmt.services.validation`) then hook
#: into `update` too
DOCUMENT_UPDATE_SKIPS_SET = at_least(16)


def has_permission_quietly(doctype: str, ptype: str = "read", doc=None) -> bool:
	"""`frappe.has_permission` that tells the user nothing: Frappe v16, refusing a document to a user
	without any right on its doctype, also queues "User … does not have doctype access …" as a message of
	the response (a nested check of its own prints its log), which a missing document does not get, so the
	answer would reveal that the document exists. v15 queues nothing."""
	if not at_least(16):
		return frappe.has_permission(doctype, ptype, doc=doc)
	log = frappe.local.message_log
	before = len(log)
	allowed = frappe.has_permission(doctype, ptype, doc=doc)
	del log[before:]
	return allowed


# --- Stock Reservation Entries ----------------------------------------------------------------------------

#: statuses of a reservation that holds nothing any more
SRE_DONE_STATUSES = ("Delivered", "Cancelled", "Closed") if at_least(16) else ("Delivered", "Cancelled")


def sre_open_qty(sre):
	"""What a Stock Reservation Entry still holds, as a Query Builder expression over the table `sre`
	(ERPNext v16 also takes what was transferred or consumed for manufacture off it)."""
	if at_least(16):
		return sre.reserved_qty - sre.delivered_qty - sre.transferred_qty - sre.consumed_qty
	return sre.reserved_qty - sre.delivered_qty


# --- advances against a Sales Order -----------------------------------------------------------------------


def sales_order_advances(sales_orders) -> list[frappe._dict]:
	"""v16: the advances against these Sales Orders that no invoice has taken yet, as rows shaped like
	the payment ledger rows v15 keeps against a Sales Order (`against_voucher_type`, `against_voucher_no`,
	`account_currency`, `amount` in the receivable's currency, `base_amount` in the company's; negative:
	paid). One query. v15: none (its payment ledger rows against the Sales Order are read with the
	invoices' and carry them); no query."""
	if not at_least(16) or not sales_orders:
		return []
	from frappe.query_builder.functions import Coalesce, NullIf, Sum

	adv = frappe.qb.DocType("Advance Payment Ledger Entry")
	ple = frappe.qb.DocType("Payment Ledger Entry")
	# the advance ledger keeps no company-currency amount (but for employee advances): the payment's own
	# rate, from its payment ledger rows
	rates = (
		frappe.qb.from_(ple)
		.select(
			ple.voucher_type,
			ple.voucher_no,
			(Sum(ple.amount) / NullIf(Sum(ple.amount_in_account_currency), 0)).as_("rate"),
		)
		.where((ple.delinked == 0) & ple.voucher_no.isin(_advance_vouchers(adv, sales_orders)))
		.groupby(ple.voucher_type, ple.voucher_no)
	)
	return (
		frappe.qb.from_(adv)
		.left_join(rates)
		.on((rates.voucher_type == adv.voucher_type) & (rates.voucher_no == adv.voucher_no))
		.select(
			adv.against_voucher_type,
			adv.against_voucher_no,
			adv.currency.as_("account_currency"),
			Sum(adv.amount).as_("amount"),
			Sum(adv.amount * Coalesce(rates.rate, 1)).as_("base_amount"),
		)
		.where(_untaken(adv) & adv.against_voucher_no.isin(list(sales_orders)))
		.groupby(adv.against_voucher_type, adv.against_voucher_no, adv.currency)
	).run(as_dict=True)


def _untaken(adv):
	"""Advance ledger rows of a Sales Order's advances still waiting for an invoice (ERPNext writes
	"Submit" for the part of a payment that is against its own voucher, "Adjustment" for the part an
	invoice took)."""
	return (adv.against_voucher_type == "Sales Order") & (adv.delinked == 0) & (adv.event == "Submit")


def _advance_vouchers(adv, sales_orders):
	return (
		frappe.qb.from_(adv)
		.select(adv.voucher_no)
		.distinct()
		.where(_untaken(adv) & adv.against_voucher_no.isin(list(sales_orders)))
	)


def advances_changed_since(since):
	"""v16: a Query Builder subquery of the Sales Orders whose advances moved since `since`; v15: None
	(its payment ledger rows against the Sales Order show it)."""
	if not at_least(16):
		return None
	adv = frappe.qb.DocType("Advance Payment Ledger Entry")
	return (
		frappe.qb.from_(adv)
		.select(adv.against_voucher_no)
		.where((adv.modified >= since) & (adv.against_voucher_type == "Sales Order"))
	)


#: {sales order, doctype, name} of the payments of Sales Orders `%(so)s` and their invoices, oldest first:
#: the payment ledger against the Sales Order (v15's advances) or its invoices — and, on v16, the advance
#: ledger (v16 books an advance against the payment itself)
# each part drives its own index (the ledger's against_voucher_no; the invoice lines' sales_order): an OR of
# the two over a join would read the whole payment ledger
_PAYMENTS_AGAINST = """select p.against_voucher_no as so, p.voucher_type, p.voucher_no, p.creation
			from `tabPayment Ledger Entry` p
			where p.against_voucher_no in %(so)s and p.voucher_no != p.against_voucher_no
			union all
			select i.sales_order, p.voucher_type, p.voucher_no, p.creation
			from `tabSales Invoice Item` i
			straight_join `tabPayment Ledger Entry` p on p.against_voucher_no = i.parent
				and p.against_voucher_type = 'Sales Invoice'
			where i.sales_order in %(so)s and p.voucher_no != p.against_voucher_no"""
PAYMENTS_BY_SALES_ORDER = f"""select so, voucher_type, voucher_no from ({_PAYMENTS_AGAINST}) payments
			order by creation"""
if at_least(16):
	PAYMENTS_BY_SALES_ORDER = f"""select so, voucher_type, voucher_no from (
			{_PAYMENTS_AGAINST}
			union all
			select a.against_voucher_no, a.voucher_type, a.voucher_no, a.creation
			from `tabAdvance Payment Ledger Entry` a
			where a.against_voucher_type = 'Sales Order' and a.against_voucher_no in %(so)s
			) payments
			order by creation"""


# --- mapped documents -------------------------------------------------------------------------------------------


def map_purchase_order(sales_order: str, item_codes: list[str], target_doc=None):
	"""ERPNext's unsaved Purchase Order for these items of a submitted Sales Order (its "Purchase Order"
	mapper; `target_doc`: a Purchase Order to add them to), or None when there is nothing left to order.
	v16's mapper returns a list of them, one per supplier given with the items (none given here: one, for
	the caller's supplier)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_purchase_order

	po = make_purchase_order(
		sales_order, selected_items=[{"item_code": i} for i in item_codes], target_doc=target_doc
	)
	if at_least(16):
		po = po[0] if po else None
	return po


def manufacturing_defaults(company: str):
	"""The document that holds the default work-in-progress and finished-goods warehouses of work orders
	(`default_wip_warehouse`, `default_fg_warehouse`): Manufacturing Settings on v15, the Company on v16."""
	if at_least(16):
		return frappe.get_doc("Company", company)
	return frappe.get_single("Manufacturing Settings")


# --- Delivery Schedule --------------------------------------------------------------------------------------


def delivery_schedules(so_details) -> dict[str, list[tuple]]:
	"""v16: {Sales Order line: [(delivery date, stock qty)] by date} of the lines delivered on several
	dates (ERPNext's Delivery Schedule Item); one query. v15: {} (no schedules), no query."""
	so_details = [d for d in set(so_details or ()) if d]
	if not at_least(16) or not so_details:
		return {}
	from order_mgmt.utils import in_list

	dsi = frappe.qb.DocType("Delivery Schedule Item")
	out = {}
	for so_detail, day, qty in (
		frappe.qb.from_(dsi)
		.select(dsi.sales_order_item, dsi.delivery_date, dsi.stock_qty)
		.where(in_list(dsi.sales_order_item, so_details))
		.orderby(dsi.delivery_date)
	).run():
		out.setdefault(so_detail, []).append((day, qty))
	return out


# --- desk -------------------------------------------------------------------------------------------------------


def remove_desktop_entries(module: str) -> None:
	"""v16: the desktop icons and workspace sidebars Frappe v16 made at install for the workspaces of
	`module` (uninstall-app removes the sidebars with the module, not the icons that open them). v15:
	nothing of the kind exists."""
	if not at_least(16):
		return
	workspaces = frappe.get_all("Workspace", filters={"module": module}, pluck="name")
	sidebars = set(frappe.get_all("Workspace Sidebar", filters={"module": module}, pluck="name"))
	sidebars |= set(
		frappe.get_all("Workspace Sidebar", filters={"name": ("in", workspaces or [""])}, pluck="name")
	)
	for icon in frappe.get_all(
		"Desktop Icon",
		filters={"link_type": "Workspace Sidebar", "link_to": ("in", sorted(sidebars) or [""])},
		pluck="name",
	):
		frappe.delete_doc("Desktop Icon", icon, force=True, ignore_permissions=True)
	for sidebar in sorted(sidebars):
		frappe.delete_doc("Workspace Sidebar", sidebar, force=True, ignore_permissions=True)


# --- PDFs -----------------------------------------------------------------------------------------------------


def pdf_generator() -> str | None:
	"""The PDF generator for the app's print formats: v15 None (Frappe's, wkhtmltopdf); v16 "chrome" when
	the server has no wkhtmltopdf (Frappe v16's Chrome generator: Debian's chromium, or the browser set as
	`chromium_path` in common_site_config.json), else None (wkhtmltopdf, Frappe's default)."""
	if not at_least(16) or shutil.which("wkhtmltopdf"):
		return None
	return "chrome"
