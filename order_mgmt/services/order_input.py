"""What a Customer Order's validate checks of what the client sent: its links, customer and contact, dates and
lines (the Customer Order controller calls these in order; the derived fields are the engine's, not here).
Each refusal says what to do and changes nothing.
"""

import frappe
from frappe import _
from frappe.utils import escape_html, flt, getdate, nowdate


def links(order) -> None:
	"""The order's links must be what they claim: an enabled selling price list, a project the user may read."""
	previous = order.get_doc_before_save()
	if order.selling_price_list and (not previous or previous.selling_price_list != order.selling_price_list):
		enabled, selling = frappe.db.get_value(
			"Price List", order.selling_price_list, ["enabled", "selling"]
		) or (0, 0)
		if not (enabled and selling):
			frappe.throw(
				_("Price List {0} is not an enabled selling price list: choose one that is.").format(
					frappe.bold(order.selling_price_list)
				),
				title=_("Invalid Price List"),
			)
	if (
		order.project
		and not order.flags.ignore_permissions
		and (not previous or previous.project != order.project)
		and not frappe.has_permission("Project", "read", doc=order.project)
	):
		frappe.throw(
			_("You may not read Project {0}: choose a project you can open.").format(
				frappe.bold(order.project)
			),
			frappe.PermissionError,
			title=_("Invalid Project"),
		)


def customer(order) -> None:
	customer_name, disabled = frappe.db.get_value(
		"Customer", order.customer, ["customer_name", "disabled"]
	) or (
		None,
		0,
	)
	order.customer_name = customer_name  # the customer's, never a client's (permission level 1)
	if disabled:
		frappe.throw(
			_("Customer {0} is disabled: choose an active customer.").format(frappe.bold(order.customer)),
			title=_("Disabled Customer"),
		)
	contact(order)


def contact(order) -> None:
	"""The order's contact (who gets its e-mails, R17) is one of the customer's contacts: by default the
	customer's primary contact."""

	def of_customer(contact):
		return frappe.db.exists(
			"Dynamic Link",
			{
				"parenttype": "Contact",
				"parent": contact,
				"link_doctype": "Customer",
				"link_name": order.customer,
			},
		)

	if order.contact_person and not order.is_new() and order.has_value_changed("customer"):
		if not of_customer(order.contact_person):
			order.contact_person = None  # the former customer's contact: the new customer's default
	if not order.contact_person and order.customer:
		order.contact_person = frappe.db.get_value("Customer", order.customer, "customer_primary_contact")
	if order.contact_person and not of_customer(order.contact_person):
		frappe.throw(
			_("Contact {0} is not a contact of customer {1}: choose one of the customer's contacts.").format(
				frappe.bold(escape_html(order.contact_person)),
				frappe.bold(escape_html(order.customer or "")),
			),
			title=_("Invalid Contact"),
		)


def dates(order) -> None:
	order_date = getdate(order.order_date or nowdate())
	if order.delivery_date and getdate(order.delivery_date) < order_date:
		frappe.throw(
			_("The promised delivery date {0} is before the order date {1}.").format(
				frappe.format(order.delivery_date, "Date"), frappe.format(order.order_date, "Date")
			),
			title=_("Invalid Delivery Date"),
		)
	if order.period_from and order.period_to and getdate(order.period_to) < getdate(order.period_from):
		frappe.throw(
			_("The implementation period ends ({0}) before it starts ({1}).").format(
				frappe.format(order.period_to, "Date"), frappe.format(order.period_from, "Date")
			),
			title=_("Invalid Implementation Period"),
		)
	for d in order.items:
		if d.delivery_date and getdate(d.delivery_date) < order_date:
			frappe.throw(
				_("Row {0}: the delivery date {1} is before the order date {2}.").format(
					d.idx, frappe.format(d.delivery_date, "Date"), frappe.format(order.order_date, "Date")
				),
				title=_("Invalid Delivery Date"),
			)


def items(order) -> None:
	for d in order.items:
		if flt(d.qty) <= 0:
			frappe.throw(
				_("Row {0}: Quantity must be greater than 0.").format(d.idx), title=_("Invalid Quantity")
			)
		if flt(d.rate) < 0:
			frappe.throw(_("Row {0}: Rate cannot be negative.").format(d.idx), title=_("Invalid Rate"))
		if not 0 <= flt(d.discount_percentage) <= 100:
			frappe.throw(
				_("Row {0}: Discount must be between 0 and 100%.").format(d.idx),
				title=_("Invalid Discount"),
			)
	if not 0 <= flt(order.additional_discount_percentage) <= 100:
		frappe.throw(_("The additional discount must be between 0 and 100%."), title=_("Invalid Discount"))
	item_codes = list({d.item_code for d in order.items if d.item_code})
	if not item_codes:
		return
	item = frappe.qb.DocType("Item")
	rows = (
		frappe.qb.from_(item)
		.select(item.name, item.disabled, item.is_sales_item, item.has_variants, item.end_of_life)
		.where(item.name.isin(item_codes))
	).run(as_dict=True)
	found = {r.name: r for r in rows}
	today = getdate(nowdate())
	for d in order.items:
		r = found.get(d.item_code)
		if not r:
			frappe.throw(
				_("Row {0}: Item {1} does not exist.").format(d.idx, frappe.bold(d.item_code)),
				title=_("Unknown Item"),
			)
		if r.disabled or (r.end_of_life and getdate(r.end_of_life) <= today):
			frappe.throw(
				_("Row {0}: Item {1} is disabled or at its end of life.").format(
					d.idx, frappe.bold(d.item_code)
				),
				title=_("Disabled Item"),
			)
		if not r.is_sales_item:
			frappe.throw(
				_("Row {0}: Item {1} is not a sales item.").format(d.idx, frappe.bold(d.item_code)),
				title=_("Not a Sales Item"),
			)
		if r.has_variants:
			frappe.throw(
				_("Row {0}: Item {1} is a template: choose one of its variants.").format(
					d.idx, frappe.bold(d.item_code)
				),
				title=_("Template Item"),
			)
