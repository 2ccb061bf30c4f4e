"""Where a line's goods come from (R4), each source's status, the line's product status (R3) and the
priority pass that tells "Not enough". Pure Python, no Frappe import; `today` is always passed in.

Statuses mean what the seed (`seeds/002_…`) says:
- a source finishing *on* the line's delivery date, or a delivery date of today with goods not received,
  is Possibly delayed; a source finishing *after* it, or a delivery date in the past with goods not
  received, is Delayed; a work order whose planned finish has passed while it is not finished is
  Possibly delayed;
- a source that is only requested (material request, draft purchase or work order) is Requested;
- a source whose goods have arrived (finished work order, received purchase, done transfer, stock) is
  Received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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

#: worst first, for the roll-up of a line's open sources
SOURCE_SEVERITY = (DELAYED, POSSIBLY_DELAYED, REQUESTED, EXPECTED_ON_TIME, RECEIVED)

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

	@property
	def open_qty(self) -> float:
		return max(self.qty - self.received, 0.0)


def source_status(src: Source, delivery_date: date | None, today: date) -> str:
	if src.kind == STOCK or src.open_qty <= EPS:
		return RECEIVED
	if src.requested:
		return REQUESTED
	if delivery_date is not None:
		if delivery_date < today:
			return DELAYED
		if src.expected is not None and src.expected > delivery_date:
			return DELAYED
	if src.kind == WORK_ORDER and src.expected is not None and src.expected < today:
		return POSSIBLY_DELAYED
	if delivery_date is not None:
		if src.expected is not None and src.expected == delivery_date:
			return POSSIBLY_DELAYED
		if delivery_date == today:
			return POSSIBLY_DELAYED
	if src.expected is not None and src.expected < today:
		# a purchase or transfer expected in the past and still not here
		return POSSIBLY_DELAYED
	return EXPECTED_ON_TIME


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
	if booked_qty(line) < pending - EPS:
		return product.NOT_ENOUGH if line.short else product.NOT_BOOKED
	open_sources = [s for s in line.sources if s.open_qty > EPS]
	statuses = [source_status(s, line.delivery_date, today) for s in open_sources]
	if REQUESTED in statuses:
		return product.REQUESTED
	if line.delivery_date is not None and line.delivery_date < today:
		return product.DELAYED
	worst = min(statuses, key=SOURCE_SEVERITY.index) if statuses else EXPECTED_ON_TIME
	if worst == RECEIVED:
		# open sources all report their goods as arrived but nothing is reserved yet
		return product.NOT_BOOKED
	if line.delivery_date is not None and line.delivery_date == today and worst == EXPECTED_ON_TIME:
		return product.POSSIBLY_DELAYED
	return worst


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
