"""E-mails to the customer when their order is confirmed, shipped or becomes Delayed (R17).

Statuses are written in batches by the recompute path (`order_mgmt.figures.engine.recompute`), so Frappe's
Notification events never fire on them: the recompute calls `announce` with what it gathered and what it
is about to write. `announce` takes what the customer was last told from the gathered orders, asks the pure
rule (`rules.portal.announcements`), adds what is now told to the batch's changes (written in the same
UPDATE), and — when *Order Management Settings → E-mail Customers About Their Orders* is on — queues the
mails in Frappe's e-mail queue linked to the order (two more queries for the addresses, only when a
batch has mails). Switched off, the orders still remember what would have been told, so switching it on
never sends old news."""

from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import escape_html, format_date, get_url, getdate

from order_mgmt.rules import portal, product
from order_mgmt.services import timeline

#: the fields on Customer Order that remember what the customer was told
FIELDS = ("announced_status", "announced_expected_date", "announced_delay_dates", "announced_delay_on")


def enabled() -> bool:
	return bool(frappe.db.get_single_value("Order Management Settings", "notify_customers", cache=True))


def delay_mail_days() -> int:
	value = frappe.db.get_single_value("Order Management Settings", "delay_mail_days", cache=True)
	return 1 if value is None else max(int(value), 0)


def _dates(text: str | None) -> frozenset:
	return frozenset(getdate(d) for d in (text or "").split(",") if d.strip())


def _told_in_order(stored: str | None, a) -> str:
	told = [d.strip() for d in (stored or "").split(",") if d.strip()]
	if portal.DELAYED in a.events and a.announced_expected:
		told.append(str(a.announced_expected))
	return ",".join(told[-20:])


def announce(data, header_changes: dict, line_changes: dict, today: date | None = None) -> None:
	"""Add to `header_changes` what the orders' customers are told now, and queue those mails. A delay
	that must wait for the end of the order's delay-mail window brings the order's next check forward to
	that day (the nightly run then tells the latest news)."""
	if not data.orders:
		return
	today = getdate(today)
	days = delay_mail_days()
	# the gathered orders carry what their customers were last told, and their customer and contact
	stored = {o.name: o for o in data.orders}
	latest = defaultdict(lambda: None)
	for line in data.lines:
		new = line_changes.get(line.name) or {}
		status = new.get("product_status", line.product_status)
		expected = new.get("expected_date", line.expected_date)
		if status == product.DELIVERED or not expected:
			continue
		expected = getdate(expected)
		if latest[line.parent] is None or expected > latest[line.parent]:
			latest[line.parent] = expected
	mails = []
	for order in data.orders:
		row = stored.get(order.name)
		if not row:
			continue
		new = header_changes.get(order.name) or {}
		told_date = getdate(row.announced_expected_date) if row.announced_expected_date else None
		mailed_on = getdate(row.announced_delay_on) if row.announced_delay_on else None
		a = portal.announcements(
			portal.OrderState(
				status=new.get("status", order.status),
				product_status=new.get("product_status", order.product_status) or "",
				expected=latest[order.name],
				announced_status=row.announced_status or "",
				announced_expected=told_date,
				told_dates=_dates(row.announced_delay_dates),
				delay_mail_on=mailed_on,
				today=today,
				delay_mail_days=days,
			)
		)
		told = {
			"announced_status": a.announced_status,
			"announced_expected_date": a.announced_expected,
			# the dates told, in the order they were told (the last twenty are enough to never repeat one)
			"announced_delay_dates": _told_in_order(row.announced_delay_dates, a) or None,
			"announced_delay_on": a.delay_mail_on,
		}
		stored_told = {
			"announced_status": row.announced_status or "",
			"announced_expected_date": told_date,
			"announced_delay_dates": row.announced_delay_dates or None,
			"announced_delay_on": mailed_on,
		}
		changed = {k: v for k, v in told.items() if v != stored_told[k]}
		if changed:
			header_changes.setdefault(order.name, {}).update(changed)
		if a.delay_due_on:
			changes = header_changes.setdefault(order.name, {})
			next_check = changes.get("next_check", order.get("next_check"))
			if next_check is None or getdate(next_check) > a.delay_due_on:
				changes["next_check"] = a.delay_due_on
		mails.extend((row, event, a.announced_expected) for event in a.events)
	if mails and enabled():
		send(mails)


def send(mails: list[tuple]) -> None:
	"""Queue one e-mail per (order row, event, expected date) to the order's contact (else the customer's
	primary contact, when linked to the order's customer): three queries for all the addresses."""
	customers = sorted({row.customer for row, _e, _d in mails if not row.contact_person})
	primary = (
		dict(
			frappe.get_all(
				"Customer",
				filters={"name": ("in", customers)},
				fields=["name", "customer_primary_contact"],
				as_list=True,
			)
		)
		if customers
		else {}
	)
	contact_of = {row.name: row.contact_person or primary.get(row.customer) for row, _e, _d in mails}
	contacts = {
		c.name: c
		for c in frappe.get_all(
			"Contact",
			filters={"name": ("in", sorted({c for c in contact_of.values() if c}) or [""])},
			fields=["name", "email_id", "first_name", "last_name"],
		)
	}
	# a contact is mailed only about orders of a customer it is linked to (ERPNext does not check that a
	# customer's primary contact is one of theirs)
	linked = {
		(r.parent, r.link_name)
		for r in frappe.get_all(
			"Dynamic Link",
			filters={
				"parenttype": "Contact",
				"parent": ("in", list(contacts) or [""]),
				"link_doctype": "Customer",
			},
			fields=["parent", "link_name"],
		)
	}
	for row, event, expected in mails:
		contact = contacts.get(contact_of[row.name])
		if not contact or not contact.email_id or (contact.name, row.customer) not in linked:
			continue
		subject, body = message(row.name, event, expected, contact)
		try:
			frappe.sendmail(
				recipients=[contact.email_id],
				subject=subject,
				message=body,
				reference_doctype="Customer Order",
				reference_name=row.name,
			)
		except frappe.OutgoingEmailError:
			# the site has no outgoing e-mail account (the settings refuse the switch without one): the
			# business action that moved the order must not fail for a mail — the Error Log says why none went
			frappe.log_error(
				title=_("Order e-mails not sent"), reference_doctype="Customer Order", reference_name=row.name
			)
			return
		timeline.note(
			row.name,
			_("E-mail to the customer ({0}): {1}").format(
				escape_html(contact.email_id), escape_html(subject)
			),
		)


def message(order: str, event: str, expected: date | None, contact) -> tuple[str, str]:
	"""The subject and (escaped) HTML body of one mail."""
	name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.email_id
	link = get_url(f"/my-orders/{order}")
	if event == portal.CONFIRMED:
		subject = _("Your order {0} is confirmed").format(order)
		text = _("we have confirmed your order {0}.").format(order)
	elif event == portal.SHIPPED:
		subject = _("Your order {0} has been shipped").format(order)
		text = _("your order {0} has been shipped.").format(order)
	else:
		subject = _("Your order {0} is delayed").format(order)
		text = _("your order {0} is delayed: we now expect to ship it on {1}.").format(
			order, format_date(expected)
		)
	body = (
		f"<p>{escape_html(_('Dear {0},').format(name))}</p>"
		f"<p>{escape_html(text)}</p>"
		f'<p><a href="{escape_html(link)}">{escape_html(_("See your order"))}</a></p>'
	)
	return subject, body
