"""The order pipeline (R2): statuses and the one table of allowed transitions.

Pure Python, no Frappe import. Controllers ask this module whether a move is allowed and which
automatic status the facts of an order call for; they never decide it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

QUOTATION = "Quotation"
WAITING_FOR_CONFIRMATION = "Waiting for Confirmation"
CONFIRMED = "Confirmed"
WAITING_FOR_PRODUCTION = "Waiting for Production"
IN_PRODUCTION = "In Production"
READY_FOR_SHIPMENT = "Ready for Shipment"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
CANCELED = "Canceled"
ARCHIVED = "Archived"

#: Every status, in pipeline order (the order of the Select field and of the kanban columns).
STATUSES: tuple[str, ...] = (
	QUOTATION,
	WAITING_FOR_CONFIRMATION,
	CONFIRMED,
	WAITING_FOR_PRODUCTION,
	IN_PRODUCTION,
	READY_FOR_SHIPMENT,
	SHIPPED,
	DELIVERED,
	CANCELED,
	ARCHIVED,
)

#: Statuses of an order that is still a draft (docstatus 0).
DRAFT_STATUSES = frozenset({QUOTATION, WAITING_FOR_CONFIRMATION})
#: Statuses set by the app from the ERPNext documents of the order, never by a user.
AUTOMATIC_STATUSES = frozenset({WAITING_FOR_PRODUCTION, IN_PRODUCTION, READY_FOR_SHIPMENT, SHIPPED})
#: Statuses an automatic recompute must never replace.
FINAL_STATUSES = frozenset({DELIVERED, CANCELED, ARCHIVED})
#: Statuses of an order that is confirmed and not finished: the automatic recompute works on these.
OPEN_STATUSES = frozenset({CONFIRMED}) | AUTOMATIC_STATUSES

#: Default win probability (%) per status, used by forecasts (configurable in the settings).
DEFAULT_PROBABILITY: dict[str, int] = {
	QUOTATION: 10,
	WAITING_FOR_CONFIRMATION: 50,
	CONFIRMED: 100,
	WAITING_FOR_PRODUCTION: 100,
	IN_PRODUCTION: 100,
	READY_FOR_SHIPMENT: 100,
	SHIPPED: 100,
	DELIVERED: 100,
	CANCELED: 0,
	ARCHIVED: 0,
}


class Action(str, Enum):
	"""Who or what moves the order."""

	#: a user changes the status by hand (form button, kanban drag, REST)
	MANUAL = "manual"
	#: the order is submitted (Confirm)
	CONFIRM = "confirm"
	#: the order is cancelled (docstatus 2)
	CANCEL = "cancel"
	#: the app recomputes the status from ERPNext documents
	AUTOMATIC = "automatic"
	#: the archive job
	ARCHIVE = "archive"


_ACTIVE = (CONFIRMED, *sorted(AUTOMATIC_STATUSES, key=STATUSES.index))

#: The one table: (from, to) -> the action that may make that move.
TRANSITIONS: dict[tuple[str, str], Action] = {
	(QUOTATION, WAITING_FOR_CONFIRMATION): Action.MANUAL,
	(WAITING_FOR_CONFIRMATION, QUOTATION): Action.MANUAL,
	(QUOTATION, CONFIRMED): Action.CONFIRM,
	(WAITING_FOR_CONFIRMATION, CONFIRMED): Action.CONFIRM,
	# the automatic steps move freely among the confirmed, unfinished statuses (some may be skipped,
	# and a cancelled Delivery Note or Work Order moves the order back)
	**{(a, b): Action.AUTOMATIC for a in _ACTIVE for b in _ACTIVE if a != b},
	# cancelling a confirmed order (reservations released, Sales Order cancelled)
	**{(a, CANCELED): Action.CANCEL for a in _ACTIVE},
	# Delivered confirms that the customer received everything: only after Shipped
	(SHIPPED, DELIVERED): Action.MANUAL,
	(DELIVERED, ARCHIVED): Action.ARCHIVE,
	(CANCELED, ARCHIVED): Action.ARCHIVE,
}


@dataclass(frozen=True)
class Verdict:
	allowed: bool
	#: a message template ("… {0} …", English) and its values: the caller translates the template and the
	#: values (statuses), then fills them in — a reason with its values already in could not be translated
	reason: str = ""
	args: tuple = ()

	@property
	def message(self) -> str:
		"""The reason in English with its values."""
		return self.reason.format(*self.args)


def check_transition(current: str, target: str, action: Action, nothing_to_ship: bool = False) -> Verdict:
	"""May `action` move an order from `current` to `target`? A reason (English, to be translated by
	the caller) comes with every refusal. `nothing_to_ship`: the order has nothing (left) to ship
	(`nothing_left_to_ship`): it counts as shipped, so a user may mark it Delivered from any confirmed,
	unfinished status."""
	if current not in STATUSES:
		return Verdict(False, "Unknown status {0}", (current,))
	if target not in STATUSES:
		return Verdict(False, "Unknown status {0}", (target,))
	if current == target:
		return Verdict(True)
	allowed = TRANSITIONS.get((current, target))
	if allowed == action:
		return Verdict(True)
	if nothing_to_ship and target == DELIVERED and action == Action.MANUAL and current in _ACTIVE:
		return Verdict(True)
	if current == CANCELED:
		return Verdict(False, "A canceled order cannot be restored: amend it to make a new order")
	if current == ARCHIVED:
		return Verdict(False, "An archived order cannot change its status")
	if target == DELIVERED:
		return Verdict(False, "An order can be Delivered only after it is Shipped")
	if target == CONFIRMED and current in DRAFT_STATUSES:
		return Verdict(False, "Confirm the order by submitting it")
	if target in AUTOMATIC_STATUSES and action == Action.MANUAL:
		return Verdict(False, "{0} is set automatically from the order's ERPNext documents", (target,))
	return Verdict(False, "An order cannot move from {0} to {1}", (current, target))


def manual_targets(current: str, nothing_to_ship: bool = False) -> list[str]:
	"""Statuses a user may move an order to by hand from `current` (for buttons and the board)."""
	targets = [b for (a, b), act in TRANSITIONS.items() if a == current and act == Action.MANUAL]
	if nothing_to_ship and current in _ACTIVE and DELIVERED not in targets:
		targets.append(DELIVERED)
	return targets


@dataclass(frozen=True)
class OrderFacts:
	"""What the automatic statuses are computed from (gathered by the adapters)."""

	#: quantity ordered, reserved (held by reservation entries, net of deliveries) and delivered, in
	#: stock units, summed over the order's stock lines
	ordered_qty: float = 0.0
	reserved_qty: float = 0.0
	delivered_qty: float = 0.0
	#: reserved quantity that is physically in stock (not waiting for a receipt)
	reserved_in_stock_qty: float | None = None
	#: work orders for the order: how many, how many submitted (planned), how many started
	work_orders: int = 0
	work_orders_planned: int = 0
	work_orders_started: int = 0
	#: what the order's confirmed sources (work, purchase and transfer orders) still bring (booked to it)
	incoming_qty: float = 0.0
	#: the order has stock lines at all (a pure service order only moves by hand)
	has_stock_items: bool = True
	#: its Sales Order expects no Delivery Note (ERPNext's `skip_delivery_note`: services only)
	skip_delivery_note: bool = False
	#: its Sales Order was closed in ERPNext (short-close: what is not delivered will not be)
	sales_order_closed: bool = False


def nothing_left_to_ship(facts: OrderFacts) -> bool:
	"""The order has nothing (left) to ship and counts as shipped for "Delivered only after Shipped":
	services only (no stock lines, or a Sales Order that skips the Delivery Note), every stock line
	delivered, or a Sales Order closed in ERPNext (short-close)."""
	return (
		not facts.has_stock_items
		or facts.skip_delivery_note
		or facts.sales_order_closed
		or (facts.ordered_qty > 1e-9 and facts.delivered_qty >= facts.ordered_qty - 1e-9)
	)


def automatic_status(current: str, facts: OrderFacts) -> str:
	"""The status the facts call for. Draft and final statuses are kept as they are."""
	if current not in OPEN_STATUSES:
		return current
	eps = 1e-9
	if not facts.has_stock_items or facts.skip_delivery_note:
		return CONFIRMED
	if facts.sales_order_closed:
		# short-closed: shipped if anything was, else nothing will come (the user marks it Delivered)
		return SHIPPED if facts.delivered_qty > eps else CONFIRMED
	if facts.ordered_qty > eps and facts.delivered_qty >= facts.ordered_qty - eps:
		return SHIPPED
	pending = facts.ordered_qty - facts.delivered_qty
	in_stock = facts.reserved_qty if facts.reserved_in_stock_qty is None else facts.reserved_in_stock_qty
	if pending > eps and in_stock >= pending - eps:
		return READY_FOR_SHIPMENT
	if facts.work_orders_started:
		return IN_PRODUCTION
	if (
		facts.work_orders
		and facts.work_orders_planned >= facts.work_orders
		and facts.reserved_qty + facts.incoming_qty >= pending - eps
	):
		return WAITING_FOR_PRODUCTION
	return CONFIRMED
