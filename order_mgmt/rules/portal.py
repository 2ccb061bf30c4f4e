"""What the customer sees of an order on the portal and when they are told (R17). Pure Python, no Frappe.

- `customer_step`: the pipeline step of an order in the customer's words (the internal statuses of
  production and planning are not theirs).
- `customer_line_status`: a line's product status in the customer's words (no source names, no
  "Not booked" / "Not enough": those are the company's planning problems, the customer sees
  "In preparation" and the expected date).
- `announcements`: which e-mails an order's new state calls for, given what the customer was last told
  (the last status announced, the last expected date announced, every delay date announced and the day of
  the last delay mail): at most one mail per event; a delay mail only for a date the customer was never
  told, and at most one per order within `delay_mail_days` — news inside that window waits for its end,
  when only the latest is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from order_mgmt.rules import pipeline, product

#: the steps the customer sees, in order
STEPS = ("Confirmed", "In preparation", "Ready for shipment", "Shipped", "Delivered")

_STEP_OF_STATUS = {
	pipeline.CONFIRMED: "Confirmed",
	pipeline.WAITING_FOR_PRODUCTION: "In preparation",
	pipeline.IN_PRODUCTION: "In preparation",
	pipeline.READY_FOR_SHIPMENT: "Ready for shipment",
	pipeline.SHIPPED: "Shipped",
	pipeline.DELIVERED: "Delivered",
	pipeline.ARCHIVED: "Delivered",
}

#: the statuses of an order a customer may see at all (confirmed, not canceled)
VISIBLE_STATUSES = frozenset(_STEP_OF_STATUS)

_LINE_STATUS = {
	product.DELIVERED: "Delivered",
	product.READY_FOR_SHIPMENT: "Ready for shipment",
	product.EXPECTED_ON_TIME: "On schedule",
	product.REQUESTED: "In preparation",
	product.NOT_BOOKED: "In preparation",
	product.NOT_ENOUGH: "In preparation",
	product.POSSIBLY_DELAYED: "May be delayed",
	product.DELAYED: "Delayed",
}


def customer_step(status: str | None) -> str:
	"""The pipeline step of an order with this status ('' for one the customer does not see)."""
	return _STEP_OF_STATUS.get(status or "", "")


def step_index(status: str | None) -> int:
	"""The position of the order's step in STEPS (-1: none)."""
	step = customer_step(status)
	return STEPS.index(step) if step else -1


def customer_line_status(product_status: str | None) -> str:
	return _LINE_STATUS.get(product_status or "", "")


def expected_date(
	line_status: str | None, line_expected: date | None, delivery_date: date | None
) -> date | None:
	"""The date a line's goods are expected to ship, as the customer is told: none once delivered; the
	expected date of its sources when later than the promised date, else the promised date."""
	if line_status == product.DELIVERED:
		return None
	if line_expected and (not delivery_date or line_expected > delivery_date):
		return line_expected
	return delivery_date


# --- e-mails -----------------------------------------------------------------------------------------

CONFIRMED = "confirmed"
SHIPPED = "shipped"
DELAYED = "delayed"

#: the statuses announced ("announced_status" stored on the order), in order
_ANNOUNCED_RANK = {"": 0, pipeline.CONFIRMED: 1, pipeline.SHIPPED: 2}
_SHIPPED_STATUSES = frozenset({pipeline.SHIPPED, pipeline.DELIVERED, pipeline.ARCHIVED})


@dataclass(frozen=True)
class OrderState:
	status: str
	product_status: str
	#: the latest expected date of its open lines (None: none known)
	expected: date | None
	announced_status: str = ""
	announced_expected: date | None = None
	#: every delay date the customer was told (a date is never mailed twice)
	told_dates: frozenset = field(default_factory=frozenset)
	#: the day of the last delay mail, today, and the days that must pass between two delay mails
	delay_mail_on: date | None = None
	today: date | None = None
	delay_mail_days: int = 1


@dataclass(frozen=True)
class Announcement:
	#: the mails to send (CONFIRMED, SHIPPED, DELAYED), in order
	events: tuple[str, ...]
	#: what to store as told (announced_status, announced_expected_date)
	announced_status: str
	announced_expected: date | None
	#: the delay dates told so far and the day of the last delay mail, to store
	told_dates: frozenset = field(default_factory=frozenset)
	delay_mail_on: date | None = None
	#: a delay not told yet because the last delay mail is too recent: the day it may be told
	delay_due_on: date | None = None


def announcements(s: OrderState) -> Announcement:
	"""What the customer is to be told about an order in state `s`. An order shipped before its
	confirmation was announced gets only the shipping mail; a delay is announced when the order is
	Delayed with an expected date other than the one last announced: mailed when the customer was never
	told that date and no delay mail went out in the last `delay_mail_days` days; a date told before is
	only remembered (no mail); a new date inside the window waits (`delay_due_on`), and whatever the date
	is then is what is told."""
	# (orders told a delay before the dates were kept remember only the last one)
	told_dates = frozenset(s.told_dates) | ({s.announced_expected} if s.announced_expected else set())
	if s.status not in VISIBLE_STATUSES:
		return Announcement((), s.announced_status or "", s.announced_expected, told_dates, s.delay_mail_on)
	events = []
	told = s.announced_status or ""
	if s.status in _SHIPPED_STATUSES:
		if _ANNOUNCED_RANK.get(told, 0) < _ANNOUNCED_RANK[pipeline.SHIPPED]:
			events.append(SHIPPED)
			told = pipeline.SHIPPED
	elif _ANNOUNCED_RANK.get(told, 0) < _ANNOUNCED_RANK[pipeline.CONFIRMED]:
		events.append(CONFIRMED)
		told = pipeline.CONFIRMED
	announced_expected, mail_on, due_on = s.announced_expected, s.delay_mail_on, None
	if (
		s.status not in _SHIPPED_STATUSES
		and s.product_status == product.DELAYED
		and s.expected
		and s.expected != s.announced_expected
	):
		window_ends = s.delay_mail_on + timedelta(days=max(s.delay_mail_days, 0)) if s.delay_mail_on else None
		if s.expected in told_dates:
			announced_expected = s.expected  # the customer was told this date before: no mail again
		elif window_ends is None or s.today is None or s.today >= window_ends:
			events.append(DELAYED)
			announced_expected, mail_on = s.expected, s.today
			told_dates = told_dates | {s.expected}
		else:
			due_on = window_ends
	return Announcement(tuple(events), told, announced_expected, told_dates, mail_on, due_on)


# --- invoices -----------------------------------------------------------------------------------------

EPS = 0.005


def invoice_payment_state(total: float, outstanding: float, is_return: bool = False) -> str:
	"""An invoice's payment state as the customer reads it, from ERPNext's outstanding amount (which its
	payment ledger keeps): a credit note is a credit; an invoice is paid when nothing is outstanding."""
	if is_return:
		return "Credit note"
	if outstanding <= EPS:
		return "Paid"
	if outstanding >= abs(total) - EPS:
		return "Not paid"
	return "Part paid"
