import frappe
from frappe import _
from frappe.desk.form.document_follow import follow_document
from frappe.model.document import Document
from frappe.utils import flt, nowdate, strip_html_tags

from order_mgmt import permissions
from order_mgmt.figures import intake, promise
from order_mgmt.rules import pipeline
from order_mgmt.rules.pipeline import Action
from order_mgmt.services import order_input, selling, stock_guard, timeline, transactions, validation

#: line fields only the app writes (after confirm, from the Sales Order and the recompute)
LINE_DERIVED_FIELDS = (
	"so_detail",
	"reserved_qty",
	"delivered_qty",
	"product_status",
	"expected_date",
	"sources",
	"is_free_item",
)


class CustomerOrder(validation.RowsFromClients, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from erpnext.accounts.doctype.sales_taxes_and_charges.sales_taxes_and_charges import (
			SalesTaxesandCharges,
		)
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.customer_order_item.customer_order_item import CustomerOrderItem

		additional_discount_percentage: DF.Float
		amended_from: DF.Link | None
		announced_delay_dates: DF.SmallText | None
		announced_delay_on: DF.Date | None
		announced_expected_date: DF.Date | None
		announced_status: DF.Data | None
		apply_discount_on: DF.Literal["", "Grand Total", "Net Total"]
		base_credited_amount: DF.Currency
		base_invoiced_amount: DF.Currency
		base_net_total: DF.Currency
		base_order_total: DF.Currency
		base_outstanding_amount: DF.Currency
		base_paid_amount: DF.Currency
		company: DF.Link
		completed_on: DF.Date | None
		contact_person: DF.Link | None
		conversion_rate: DF.Float
		cost_of_goods: DF.Currency
		currency: DF.Link | None
		customer: DF.Link
		customer_name: DF.Data | None
		delivery_date: DF.Date | None
		deputy: DF.Link | None
		discount_amount: DF.Currency
		grand_total: DF.Currency
		in_words: DF.Data | None
		invoice_status: DF.Literal["Not invoiced", "Part invoiced", "Invoiced"]
		invoiced_amount: DF.Currency
		items: DF.Table[CustomerOrderItem]
		naming_series: DF.Literal["CO-.YYYY.-"]
		net_total: DF.Currency
		next_check: DF.Date | None
		notes: DF.TextEditor | None
		nothing_to_ship: DF.Check
		order_area: DF.Link | None
		order_date: DF.Date
		order_manager: DF.Link | None
		other_cost: DF.Currency
		outstanding_amount: DF.Currency
		paid_amount: DF.Currency
		party_account_currency: DF.Link | None
		payment_status: DF.Literal["Not paid", "Part paid", "Paid"]
		per_delivered: DF.Percent
		per_invoiced: DF.Percent
		per_paid: DF.Percent
		per_reserved: DF.Percent
		period_from: DF.Date | None
		period_to: DF.Date | None
		probability: DF.Percent
		product_status: DF.Literal[
			"",
			"Not booked",
			"Not enough",
			"Requested",
			"Expected on time",
			"Possibly delayed",
			"Delayed",
			"Ready for shipment",
			"Delivered",
		]
		profit_amount: DF.Currency
		profit_margin: DF.Percent
		project: DF.Link | None
		purchase_cost: DF.Currency
		revenue_amount: DF.Currency
		rounded_total: DF.Currency
		rounding_adjustment: DF.Currency
		sales_order: DF.Link | None
		sales_order_status: DF.Data | None
		selling_price_list: DF.Link | None
		set_warehouse: DF.Link | None
		status: DF.Literal[
			"Quotation",
			"Waiting for Confirmation",
			"Confirmed",
			"Waiting for Production",
			"In Production",
			"Ready for Shipment",
			"Shipped",
			"Delivered",
			"Canceled",
			"Archived",
		]
		statuses_updated: DF.Datetime | None
		taxes: DF.Table[SalesTaxesandCharges]
		taxes_and_charges: DF.Link | None
		timesheet_cost: DF.Currency
		title: DF.Data | None
		total: DF.Currency
		total_cost: DF.Currency
		total_hours: DF.Float
		total_qty: DF.Float
		total_taxes_and_charges: DF.Currency
	# end: auto-generated types

	def onload(self):
		# what the form offers: the actions the server would allow this user (permissions.allowed_actions)
		self.set_onload("order_mgmt_actions", permissions.allowed_actions(self))

	def before_insert(self):
		if self.docstatus == 1:
			self.submitted_by_frappes_route()

	def submitted_by_frappes_route(self):
		"""Sent confirmed (`docstatus: 1`) or submitted by Frappe's own route rather than by
		`api.customer_order.confirm`: as there, when that route is the request and has written nothing, its
		transaction reads what is committed and the Bins are locked once ERPNext has validated and priced the
		Sales Order (`overrides.sales_order.validate`); otherwise they are locked before it
		(`before_submit`)."""
		if not self.flags.lock_bins_late and not self.flags.bins_locked:
			self.flags.lock_bins_late = transactions.read_committed_for(self)

	def validate(self):
		if self._action == "submit" and not self.flags.in_insert:
			self.submitted_by_frappes_route()  # before anything is written (`before_insert` when new)
		permissions.assert_planner(self)
		self.validate_amendment()
		self.set_defaults()
		self.reset_derived_fields_of_new_lines()
		permissions.validate_order_planners(self)
		order_input.customer(self)
		order_input.links(self)
		order_input.dates(self)
		order_input.items(self)
		self.validate_status_change()
		self.reset_prices_of_changed_lines()
		if self.is_new() and self._action == "submit" and self.flags.lock_bins_late:
			# sent confirmed on a transaction that reads what is committed: priced once, by ERPNext's
			# validation of its Sales Order (`selling.make_sales_order`), instead of once here and again there
			self.flags.priced_by_its_sales_order = True
		elif self.prices_still_valid():
			selling.keep_saved_results(self, self.get_doc_before_save())
		else:
			selling.apply_prices(self)
			selling.priced_afresh(self)
		self.set_probability()
		if self._action != "submit" and self.promise_inputs_changed():
			promise.warn_late_lines(self)  # confirming warns in before_submit, under the Bin locks
		# the title Frappe's list, Kanban card and breadcrumbs show: text only (a card's title goes through
		# innerHTML in Frappe's Kanban)
		self.title = strip_html_tags(self.customer_name or self.customer or "")

	@staticmethod
	def promise_inputs(doc) -> tuple:
		"""What a line's promise date depends on in the order: a save that changes none of it is not warned
		again."""
		return (
			doc.company,
			str(doc.delivery_date or ""),
			doc.set_warehouse,
			tuple(
				(d.item_code, flt(d.qty), flt(d.conversion_factor), d.warehouse, str(d.delivery_date or ""))
				for d in doc.items
			),
		)

	def promise_inputs_changed(self) -> bool:
		previous = self.get_doc_before_save()
		return not previous or self.promise_inputs(previous) != self.promise_inputs(self)

	def after_insert(self):
		promise.keep_warning(self, self.flags.pop("promise_warning", ""))

	def prices_still_valid(self) -> bool:
		"""Whether the saved prices stand: nothing ERPNext's pricing of the order depends on changed since
		the last save — neither the order's own inputs (customer, dates, price list, lines, tax lines) nor,
		on a plain save, the pricing masters (prices, pricing rules, the items, the customer). Only then is
		the order not priced again (pricing a 200-line order takes ERPNext seconds). Confirming keeps the
		prices of the save as ERPNext's Sales Order keeps its prices on submit; the Sales Order made from it
		is priced by ERPNext once more, and a difference refuses the confirmation."""
		previous = self.get_doc_before_save()
		if not previous or selling.pricing_inputs(previous) != selling.pricing_inputs(self):
			return False
		if self._action == "submit":
			return True
		return not selling.pricing_masters_changed(self, previous.modified)

	def before_submit(self):
		permissions.assert_planner(self)
		if not self.items:
			frappe.throw(_("Add at least one item before confirming the order."), title=_("No Items"))
		missing = [str(d.idx) for d in self.items if not (d.delivery_date or self.delivery_date)]
		if missing:
			frappe.throw(
				_(
					"Rows {0}: set a delivery date on the line or a promised delivery date on the order."
				).format(", ".join(missing)),
				title=_("Delivery Date Missing"),
			)
		previous = self.get_doc_before_save()
		self.assert_transition(
			previous.status if previous else self.status, pipeline.CONFIRMED, Action.CONFIRM
		)
		self.status = pipeline.CONFIRMED
		self.set_probability()
		# the confirmation's own check of the promises (not blocking), under the Bin locks of the order's
		# items, so that it meets what the confirmation meets: `api.customer_order.confirm` has taken them by
		# now, or they are taken once ERPNext has validated the Sales Order (`overrides.sales_order.validate`)
		if not self.flags.lock_bins_late:
			if not self.flags.bins_locked:
				self.lock_stock()
			promise.warn_late_lines(self, confirming=True)

	def lock_stock(self):
		"""Lock the Bins of the order's items, before ERPNext's submit or cancel of its Sales Order rewrites
		them (`stock_guard.lock_bins`)."""
		stock_guard.lock_bins(
			stock_guard.stock_pairs((d.item_code, d.warehouse or self.set_warehouse) for d in self.items)
		)
		self.flags.bins_locked = True

	def on_submit(self):
		so = selling.make_sales_order(self)
		if self.flags.priced_by_its_sales_order:
			# priced by the Sales Order just made: its lines, totals and taxes written with the link
			self.sales_order = so.name
			for line, so_line in selling.match_lines(self.items, so.items):
				line.so_detail = so_line.name
			self.set_docstatus()  # rows ERPNext's pricing added (free lines, tax lines) are confirmed too
			self.db_update()
			for df in self.meta.get_table_fields():
				self.update_child_table(df.fieldname, df)
			intake.mark_orders([self.name], cause=so)
			timeline.note(
				self.name, _("Confirmed: Sales Order {0} made").format(timeline.link("Sales Order", so.name))
			)
			return
		self.db_set("sales_order", so.name)
		# link each line to its Sales Order line, matched by what they are (item, free item, pricing
		# rule): one UPDATE
		for line, so_line in selling.match_lines(self.items, so.items):
			if line is None or so_line is None:
				selling.prices_differ(self)
				frappe.throw(
					_(
						"The Sales Order's lines do not match the order's (row {0}). Save the order again and confirm it."
					).format((line or so_line).idx),
					title=_("Prices Changed"),
				)
			line.so_detail = so_line.name
		selling.link_lines(self)
		intake.mark_orders([self.name], cause=so)
		timeline.note(
			self.name, _("Confirmed: Sales Order {0} made").format(timeline.link("Sales Order", so.name))
		)
		self.reload()

	def before_cancel(self):
		if not self.flags.bins_locked:
			# cancelled by Frappe's own route rather than `api.customer_order.cancel`: as there, ERPNext's
			# cancel of the Sales Order rewrites the Bins of its items from a read that is current once they
			# are locked (on a transaction that reads what is committed when that route is the request)
			transactions.read_committed_for(self)
		permissions.assert_planner(self)
		self.assert_transition(self.status, pipeline.CANCELED, Action.CANCEL)
		if not self.sales_order:
			return
		so_docstatus, so_status, per_delivered, per_billed = frappe.db.get_value(
			"Sales Order", self.sales_order, ["docstatus", "status", "per_delivered", "per_billed"]
		)
		if so_docstatus != 1:
			# the Sales Order was cancelled in ERPNext: the order follows it
			return
		if not self.flags.bins_locked:
			self.lock_stock()
		if so_status == "Closed":
			frappe.throw(
				_(
					"Customer Order {0} cannot be canceled: its Sales Order {1} is Closed in ERPNext. Re-open it there first, or mark the order Delivered."
				).format(self.name, self.sales_order),
				title=_("Cannot Cancel"),
			)
		self.check_supply_documents()
		if flt(per_delivered) or flt(per_billed):
			frappe.throw(
				_(
					"Customer Order {0} cannot be canceled: its Sales Order {1} is already delivered {2}% and billed {3}%. Cancel the Delivery Notes and Sales Invoices first."
				).format(self.name, self.sales_order, flt(per_delivered, 2), flt(per_billed, 2)),
				title=_("Cannot Cancel"),
			)

	def check_supply_documents(self):
		"""Submitted Work Orders and Material Requests made for the Sales Order keep ERPNext from cancelling
		it (it unlinks Purchase Orders and advances itself): say which, and what to do, before trying."""
		wo = frappe.qb.DocType("Work Order")
		mr = frappe.qb.DocType("Material Request")
		mri = frappe.qb.DocType("Material Request Item")
		work_orders = (
			frappe.qb.from_(wo)
			.select(wo.name)
			.where((wo.sales_order == self.sales_order) & (wo.docstatus == 1))
			.orderby(wo.name)
		).run(pluck=True)
		requests = (
			frappe.qb.from_(mri)
			.join(mr)
			.on(mr.name == mri.parent)
			.select(mr.name)
			.distinct()
			.where((mri.sales_order == self.sales_order) & (mr.docstatus == 1))
			.orderby(mr.name)
		).run(pluck=True)
		if not (work_orders or requests):
			return
		documents = [_("Work Order {0}").format(n) for n in work_orders] + [
			_("Material Request {0}").format(n) for n in requests
		]
		frappe.throw(
			_(
				"Customer Order {0} cannot be canceled while its Sales Order {1} has submitted supply documents: {2}. Cancel them in ERPNext first (a Work Order's stock entries before the Work Order), then cancel the order."
			).format(self.name, self.sales_order, ", ".join(documents)),
			title=_("Cannot Cancel"),
		)

	def on_trash(self):
		permissions.assert_planner(self)

	def on_cancel(self):
		if self.sales_order:
			so = frappe.get_doc("Sales Order", self.sales_order)
			if so.docstatus == 1:
				so.flags.ignore_permissions = True
				so.flags.cancelling_customer_order = self.name
				# ERPNext releases the order's stock reservations when its Sales Order is cancelled
				try:
					so.cancel()
				except frappe.LinkExistsError as e:
					frappe.throw(
						_(
							"Customer Order {0} cannot be canceled: ERPNext cannot cancel its Sales Order {1} while other submitted documents are linked to it ({2}). Cancel those first."
						).format(self.name, self.sales_order, frappe.utils.strip_html(str(e))),
						title=_("Cannot Cancel"),
					)
		self.db_set({"status": pipeline.CANCELED, "probability": self.status_probability(pipeline.CANCELED)})
		self.clear_product_statuses()

	def clear_product_statuses(self):
		"""A canceled order has no product status, reservation or source: none is left showing."""
		self.db_set({"product_status": None, "per_reserved": 0})
		coi = frappe.qb.DocType("Customer Order Item")
		(
			frappe.qb.update(coi)
			.set(coi.product_status, None)
			.set(coi.reserved_qty, 0)
			.set(coi.expected_date, None)
			.set(coi.sources, None)
			.where((coi.parent == self.name) & (coi.parenttype == self.doctype))
		).run()
		for d in self.items:
			d.product_status = d.expected_date = d.sources = None
			d.reserved_qty = 0

	def before_update_after_submit(self):
		permissions.assert_planner(self)
		permissions.validate_order_planners(self)
		if self.has_value_changed("contact_person"):
			order_input.contact(self)  # who gets the order's e-mails: one of its customer's contacts
		order_input.links(self)
		order_input.dates(self)
		self.validate_status_change()
		self.set_probability()

	# --- validation -------------------------------------------------------------------------------

	def set_defaults(self):
		if not self.company:
			self.company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
				"Global Defaults", "default_company"
			)
		if not self.status:
			self.status = pipeline.QUOTATION
		if self.is_new() and self.status not in pipeline.DRAFT_STATUSES:
			frappe.throw(
				_("A new order starts as {0} or {1}, not {2}.").format(
					_(pipeline.QUOTATION), _(pipeline.WAITING_FOR_CONFIRMATION), _(self.status)
				),
				title=_("Status Not Allowed"),
			)
		if not self.period_from:
			self.period_from = self.order_date
		for d in self.items:
			if not d.delivery_date and self.delivery_date:
				d.delivery_date = self.delivery_date
			if not d.warehouse and self.set_warehouse:
				d.warehouse = self.set_warehouse

	def validate_amendment(self):
		"""Amending a canceled order needs the right to amend it and to plan it (Frappe only checks that it
		is canceled)."""
		if not (self.is_new() and self.amended_from) or self.flags.ignore_permissions:
			return
		if not (
			frappe.has_permission("Customer Order", "amend", self.amended_from)
			and permissions.can_plan(self.amended_from)
		):
			frappe.throw(
				_("You may not amend Customer Order {0}.").format(frappe.bold(self.amended_from)),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)

	def reset_derived_fields_of_new_lines(self):
		"""What the app computes for a line (its Sales Order line, reservations, deliveries, statuses) is
		never taken from a client: Frappe restores such fields (permission level 1) of existing lines only,
		so new lines start empty here."""
		previous = self.get_doc_before_save()
		known = {d.name for d in previous.items} if previous else set()
		# a free line is the pricing rule's: one a client sends (or an amended order copies) is left to
		# ERPNext, which adds it again if its rule still gives it
		claimed_free = {id(d) for d in self.items if d.name not in known and d.get("is_free_item")}
		if claimed_free:
			self.set("items", [d for d in self.items if id(d) not in claimed_free])
			for i, d in enumerate(self.items, start=1):
				d.idx = i
		for d in self.items:
			if d.name not in known:
				for field in LINE_DERIVED_FIELDS:
					d.set(field, None)

	def validate_status_change(self):
		"""A status typed or dragged by a user must be a manual move of the table."""
		previous = self.get_doc_before_save()
		if not previous or previous.status == self.status or self.flags.status_action:
			return
		self.assert_transition(previous.status, self.status, Action.MANUAL, self.nothing_to_ship)
		if self.status == pipeline.DELIVERED:
			self.completed_on = nowdate()

	def reset_prices_of_changed_lines(self):
		"""A line whose item or unit changed is priced afresh, as ERPNext's form does."""
		previous = self.get_doc_before_save()
		if not previous:
			return
		before = {d.name: d for d in previous.items}
		for d in self.items:
			old = before.get(d.name)
			if old and (old.item_code != d.item_code or (old.uom and d.uom and old.uom != d.uom)):
				d.price_list_rate = d.rate = d.discount_percentage = None
				if old.uom == d.uom:
					d.uom = None

	@staticmethod
	def assert_transition(current, target, action, nothing_to_ship=False):
		verdict = pipeline.check_transition(current, target, action, bool(nothing_to_ship))
		if not verdict.allowed:
			frappe.throw(
				_(verdict.reason).format(*(_(a) for a in verdict.args)), title=_("Status Not Allowed")
			)

	@frappe.whitelist()
	def price(self):
		"""The form asks for ERPNext's prices while the user edits (nothing is saved)."""
		self.check_permission("write" if not self.is_new() else "create")
		self.set_defaults()
		self.reset_prices_of_changed_lines()
		selling.apply_prices(self)
		for d in self.items:
			if not d.name:
				# a free line ERPNext added: new to the form, which names it
				d.set("__islocal", 1)

	# --- status -------------------------------------------------------------------------------------

	@staticmethod
	def status_probability(status):
		from order_mgmt.settings import get_probabilities

		return get_probabilities().get(status, 0)

	def set_probability(self):
		self.probability = self.status_probability(self.status)

	def save_version(self):
		"""Frappe's Version of a save (`track_changes`), without the fields only the app derives
		(permission level 1: ERPNext's prices, statuses, progress, the links to ERPNext's rows): the timeline
		shows what users changed, the order's business events are its comments (order_mgmt.services.timeline)."""
		before = self._doc_before_save
		if not before:
			return super().save_version()
		if (
			not self.meta.track_changes
			or self.flags.ignore_version
			or frappe.flags.in_install
			or frappe.flags.in_patch
		):
			return
		version = frappe.new_doc("Version")
		if not version.update_version_info(before, self):
			return
		data = timeline.without_derived_fields(frappe.parse_json(version.data), self.meta)
		if data is None:
			return
		version.data = frappe.as_json(data)
		version.insert(ignore_permissions=True)
		# what Frappe's Document.save_version does after its Version: a user who follows the documents
		# they change follows this one
		if not frappe.flags.in_migrate and frappe.get_cached_value(
			"User", frappe.session.user, "follow_created_documents"
		):
			follow_document(self.doctype, self.name, frappe.session.user)

	def set_status(self, status, action=Action.MANUAL):
		"""Move the order to `status` if the table allows `action` to; saves the order."""
		self.assert_transition(self.status, status, action, self.nothing_to_ship)
		self.status = status
		self.flags.status_action = action
		if status == pipeline.DELIVERED:
			self.completed_on = nowdate()
		self.save()


def on_doctype_update():
	"""Composite indexes for what the reports, lists and the nightly run filter and sort on: a company's
	orders by order or delivery date (every report's default filters), and orders by docstatus and status
	(open orders: the nightly run, the number cards, Delayed Orders)."""
	frappe.db.add_index("Customer Order", ["company", "order_date"])
	frappe.db.add_index("Customer Order", ["company", "delivery_date"])
	frappe.db.add_index("Customer Order", ["docstatus", "status"])
