"""Where a line's goods come from (R4), each source's status, the line's product status (R3) and the
priority pass that tells "Not enough". Pure Python, no Frappe import; `today` is always passed in.

Source statuses mean what the seed (`seeds/002_…`) says, judged on the source's own dates and states:
- Requested: only requested (a material request, a draft purchase or work order);
- Received: its goods have arrived (finished work order, received purchase, done transfer, stock);
- Delayed: not received and its own date has passed (a work order not finished by its planned end, a
  purchase past the supplier's promise, a transfer past its planned arrival), or it finishes after the
  line's delivery date, or the line's delivery date has passed;
- Not booked (work orders): some parts are not booked — neither transferred for manufacture nor available
  in the source warehouse;
- Possibly delayed: it finishes on the line's delivery date, the delivery date is today, a work order has
  not started by its planned start, or a transfer is not shipped on its planned shipment date;
- Expected on time: otherwise.

A line's status (`line_status`): Delivered, Ready for shipment, then Delayed as soon as its delivery date
has passed (the seed: "CO delivery date is in the past and products are not received"), then Not enough /
Not booked (quantity not covered), then the worst of what its open sources mean for the customer's date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from order_mgmt.rules import product

STOCK, WORK_ORDER, PURCHASE_ORDER, MATERIAL_REQUEST, TRANSFER = (
	"Stock",
	"Work Order",
	"Purchase Order",
	"Material Request",
	"Transfer",
)

NOT_BOOKED = product.NOT_BOOKED
REQUESTED = product.REQUESTED
EXPECTED_ON_TIME = product.EXPECTED_ON_TIME
POSSIBLY_DELAYED = product.POSSIBLY_DELAYED
DELAYED = product.DELAYED
RECEIVED = "Received"

EPS = 1e-9


@dataclass(frozen=True)
class Source:
	kind: str
	name: str
	#: quantity this source brings for the line, and how much of it has arrived (stock units)
	qty: float
	received: float = 0.0
	#: only requested: a material request, or a draft purchase or work order
	requested: bool = False
	#: when the goods are expected (planned end of a work order, expected date of a purchase, schedule
	#: date of a transfer)
	expected: date | None = None
	#: a work order whose production has started
	started: bool = False
	#: a work order's planned start (Possibly delayed when passed and not started)
	planned_start: date | None = None
	#: a work order whose parts are transferred for manufacture or available in its source warehouse
	parts_booked: bool = True
	#: a transfer whose goods have left (a Stock Entry to a transit warehouse)
	shipped: bool = False

	@property
	def open_qty(self) -> float:
		return max(self.qty - self.received, 0.0)


def source_status(src: Source, delivery_date: date | None, today: date) -> str:
	if src.kind == STOCK or src.open_qty <= EPS:
		return RECEIVED
	if src.requested:
		return REQUESTED
	expected = src.expected
	if expected is not None and expected < today:
		return DELAYED  # its own date passed and the goods are not here
	if delivery_date is not None and (
		delivery_date < today or (expected is not None and expected > delivery_date)
	):
		return DELAYED
	if src.kind == WORK_ORDER and not src.parts_booked:
		return NOT_BOOKED
	if (
		src.kind == WORK_ORDER
		and src.planned_start is not None
		and src.planned_start < today
		and not src.started
	):
		return POSSIBLY_DELAYED  # not started on time
	if src.kind == TRANSFER and not src.shipped and expected is not None and expected <= today:
		return POSSIBLY_DELAYED  # the planned shipment date (= its required-by date) is here, not shipped
	if delivery_date is not None and (expected == delivery_date or delivery_date == today):
		return POSSIBLY_DELAYED
	return EXPECTED_ON_TIME


#: worst first: what a line's open sources mean for it
LINE_SEVERITY = (DELAYED, NOT_BOOKED, POSSIBLY_DELAYED, REQUESTED, EXPECTED_ON_TIME, RECEIVED)


def source_effect(src: Source, delivery_date: date | None, today: date) -> str:
	"""What a source's status means for the line: a source late on its own date while the customer's date
	is still ahead may yet make it (Possibly delayed); a source finishing after the customer's date, or a
	customer's date that passed, is Delayed."""
	status = source_status(src, delivery_date, today)
	if (
		status == DELAYED
		and delivery_date is not None
		and delivery_date >= today
		and (src.expected is None or src.expected <= delivery_date)
	):
		return POSSIBLY_DELAYED
	return status


@dataclass(frozen=True)
class Line:
	"""An order line in stock units, with what is reserved for it in stock and its other sources."""

	ordered: float
	delivered: float = 0.0
	reserved: float = 0.0
	sources: tuple[Source, ...] = field(default_factory=tuple)
	delivery_date: date | None = None
	is_stock_item: bool = True
	#: the priority pass found that stock plus planned receipts cannot cover the line
	short: bool = False


def booked_qty(line: Line) -> float:
	"""Reserved stock plus what the line's open sources still bring."""
	return line.reserved + sum(s.open_qty for s in line.sources)


def line_status(line: Line, today: date) -> str:
	pending = line.ordered - line.delivered
	if pending <= EPS:
		return product.DELIVERED
	if not line.is_stock_item or line.reserved >= pending - EPS:
		return product.READY_FOR_SHIPMENT
	if line.delivery_date is not None and line.delivery_date < today:
		return product.DELAYED  # past its delivery date and not received, whatever else is true
	if booked_qty(line) < pending - EPS:
		return product.NOT_ENOUGH if line.short else product.NOT_BOOKED
	statuses = [source_effect(s, line.delivery_date, today) for s in line.sources if s.open_qty > EPS]
	if line.delivery_date is not None and line.delivery_date == today:
		statuses.append(POSSIBLY_DELAYED)  # due today, not received
	worst = min(statuses, key=LINE_SEVERITY.index) if statuses else EXPECTED_ON_TIME
	if worst == RECEIVED:
		# open sources all report their goods as arrived but nothing is reserved yet
		return product.NOT_BOOKED
	return worst


def judgement(line: Line, today: date) -> tuple:
	"""Everything the recompute derives from `today` for a line: its status and each source's status (the
	line's *Sources* text shows them)."""
	delivery = line.delivery_date
	return (line_status(line, today), tuple(source_status(s, delivery, today) for s in line.sources))


def next_change(line: Line, today: date) -> date | None:
	"""The earliest day after `today` on which the rules judge the line differently with the same documents
	(its status or one of its sources' statuses), or None when no day will.

	Every rule compares `today` with one of the line's own dates — its delivery date, a source's expected
	date or planned start — as `<`, `<=` or `==`; so a verdict can only change on such a date or the day
	after it, and between those days it stays the same. The earliest of them whose verdict differs is the
	answer (the incremental nightly run recomputes the order then)."""
	if not line.sources:
		# no source: only the delivery date moves an uncovered line (Delayed the day after it)
		pending = line.ordered - line.delivered
		if pending <= EPS or not line.is_stock_item or line.reserved >= pending - EPS:
			return None
		delivery = line.delivery_date
		return delivery + timedelta(days=1) if delivery is not None and delivery >= today else None
	days = set()
	for day in (
		line.delivery_date,
		*(s.expected for s in line.sources),
		*(s.planned_start for s in line.sources),
	):
		if day is not None:
			days.add(day)
			days.add(day + timedelta(days=1))
	now = None
	for day in sorted(d for d in days if d > today):
		if now is None:
			now = judgement(line, today)
		if judgement(line, day) != now:
			return day
	return None


def next_check(lines, today: date) -> date | None:
	"""The earliest `next_change` of an order's lines (None: no day changes any of them)."""
	days = [d for d in (next_change(line, today) for line in lines) if d is not None]
	return min(days) if days else None


def due_date(
	delivery_date: date | None, schedule: list[tuple[date, float]] | None, delivered: float
) -> date | None:
	"""The date a line is next due. A line with a delivery schedule (ERPNext v16's Delivery Schedule: parts
	of one Sales Order line due on several dates; [(date, quantity)] in stock units) is due on the date of
	its earliest part that the delivered quantity does not cover yet, deliveries counting against the
	earliest parts first; once every part is covered, on its last part's date. A line without one is due
	on its delivery date."""
	if not schedule:
		return delivery_date
	parts = sorted(schedule)
	covered = delivered
	for day, qty in parts:
		covered -= qty
		if covered < -EPS:
			return day
	return parts[-1][0]


def expected_date(line: Line) -> date | None:
	"""When the last open source expects its goods."""
	dates = [s.expected for s in line.sources if s.open_qty > EPS and s.expected is not None]
	return max(dates) if dates else None


@dataclass(frozen=True)
class Demand:
	"""One open Sales Order line for an item in a warehouse (stock units)."""

	key: str
	item_code: str
	warehouse: str
	pending: float
	reserved: float
	delivery_date: date | None
	confirmed: str = ""
	#: open planned receipts made for this very line (its purchase order lines, its work orders)
	dedicated: float = 0.0


def short_lines(demands: list[Demand], supply: dict[tuple[str, str], float]) -> set[str]:
	"""The one priority pass behind "Not enough".

	`supply[(item, warehouse)]`: stock plus planned receipts (purchase and work orders) minus everything
	reserved, *not counting* the receipts dedicated to a line. Reserved quantities and dedicated receipts
	stay with their lines (what a line's dedicated receipts bring beyond its need is free for the others);
	the rest of each line's need is served from the free supply in priority order — earlier delivery date
	first, then earlier confirmation — and a line that the supply does not reach in full is short."""
	free = dict(supply)
	for d in demands:
		surplus = d.dedicated - max(d.pending - d.reserved, 0.0)
		if surplus > EPS:
			pair = (d.item_code, d.warehouse)
			free[pair] = free.get(pair, 0.0) + surplus
	short = set()
	far_future = date.max
	for d in sorted(demands, key=lambda d: (d.delivery_date or far_future, d.confirmed, d.key)):
		need = max(d.pending - d.reserved - d.dedicated, 0.0)
		if need <= EPS:
			continue
		pair = (d.item_code, d.warehouse)
		available = free.get(pair, 0.0)
		if available + EPS < need:
			short.add(d.key)
		free[pair] = available - need
	return short
