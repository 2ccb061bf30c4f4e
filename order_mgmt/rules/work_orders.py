"""Work Order rules shared by the status engine and the promise dates (issue 28). Pure Python, no Frappe
import."""

from __future__ import annotations

from datetime import date, timedelta


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

	One rule for both: the sources of an order's lines (`order_figures._work_order_sources`) and the
	supply of the promise dates (`figures.promise`) date a Work Order with it."""
	if finished and actual_end:
		return actual_end
	if planned_end:
		return planned_end
	if planned_start:
		return planned_start + timedelta(days=int(lead_time_days or 0))
	return None
