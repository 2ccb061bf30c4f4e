"""Work Order rules shared by the status engine and the promise dates (issue 28): when a Work Order brings
its goods, and whether its parts are booked. Pure Python, no Frappe import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


def expected_date(
	finished: bool,
	actual_end: date | None,
	planned_end: date | None,
	planned_start: date | None,
	lead_time_days: int | None,
) -> date | None:
	"""When a Work Order brings its goods: the actual end once finished; else its planned end date where
	ERPNext has one (it computes it from the operations when the Work Order is submitted, or the planner
	set it); else the planned start plus the item's lead time (`lead_time_days`, calendar days); else
	unknown. Never `expected_delivery_date`, which ERPNext copies from the customer's date.

	One rule for both: the sources of an order's lines (`figures.sources._work_order_sources`) and the
	supply of the promise dates (`figures.promise`) date a Work Order with it."""
	if finished and actual_end:
		return actual_end
	if planned_end:
		return planned_end
	if planned_start:
		return planned_start + timedelta(days=int(lead_time_days or 0))
	return None


EPS = 1e-9


@dataclass(frozen=True)
class PartsNeed:
	"""An open Work Order and what it still needs of each part: required - transferred (transfer to work in
	progress), or required - consumed (backflush), in stock units, at the part's source warehouse."""

	name: str
	#: its turn: planned start, then creation (sortable values; None is last)
	planned_start: datetime | date | None
	creation: str = ""
	#: ((item, warehouse), quantity still needed)
	needs: tuple[tuple[tuple[str, str], float], ...] = ()


def parts_booked(work_orders: list[PartsNeed], free: dict[tuple[str, str], float]) -> dict[str, bool]:
	"""{Work Order: whether its parts are booked}. Work Orders take turns per part and warehouse by planned
	start, then creation: a Work Order's parts are booked when what it still needs of each part fits in the
	part's free stock at its source warehouse (`free`: stock less reserved stock) less what the open Work
	Orders ahead of it still need — whether or not theirs fit. Work Orders of no Customer Order take their
	turn too. A Work Order that needs nothing more (all transferred or consumed) is booked."""
	ahead: dict[tuple[str, str], float] = {}
	out = {}
	for wo in sorted(
		work_orders,
		key=lambda w: (w.planned_start is None, _sortable(w.planned_start), w.creation, w.name),
	):
		booked = True
		for pair, qty in wo.needs:
			if qty <= EPS:
				continue
			before = ahead.get(pair, 0.0)
			if before + qty > free.get(pair, 0.0) + EPS:
				booked = False
			ahead[pair] = before + qty
		out[wo.name] = booked
	return out


def _sortable(value) -> datetime:
	if value is None:
		return datetime.min
	if isinstance(value, datetime):
		return value
	return datetime.combine(value, datetime.min.time())
