"""How an event becomes a recompute: one intake per transaction, one flush.

ERPNext's and the desk's document events only *mark* here what they touched (`order_mgmt.overrides`):

- the Customer Orders to recompute, directly or through their Sales Orders, with the document that caused
  the change (named in the orders' timelines), and those whose costs alone changed (their profitability);
- the Bins whose Reserved Stock ERPNext rewrote from a plain read (re-summed from the reservation entries
  under the Bin lock);
- the Stock Reservation Entries an action of the app submitted (checked together against the free stock);
- the items whose *Not enough* verdict of other open orders, or whose use as Work Orders' parts, may move.

`flush()` does the work once, in that order: Bins, checks, one recompute per set of causes (statuses,
money and profitability: `figures.engine.recompute`; orders whose costs alone changed: their profitability), and the other orders' shortage job queued after the
commit. It runs

- before the transaction's commit (registered with `frappe.db.before_commit` when the first mark is made):
  a Payment Entry, a Sales Invoice or a Delivery Note submitted in the desk recomputes its order once,
  whatever number of ERPNext's own events it passes through;
- at the end of each of the app's actions (`services.transactions.one_action`), which answer with fresh
  figures, and whose checks must fail inside the request (Frappe answers an error raised in its commit
  with a bare HTTP 500).

A rolled back transaction drops its marks (`frappe.db.after_rollback`). Outside an action, a reservation
made in ERPNext (its Reserve button, an entry submitted by hand) is checked at once, in its own event.
"""

from collections import defaultdict

import frappe
from frappe import _


class Intake:
	"""What the events of one transaction marked (`frappe.local.order_mgmt_intake`)."""

	__slots__ = (
		"actions",
		"bins",
		"costs",
		"db",
		"items",
		"orders",
		"registered",
		"reservations",
		"sales_orders",
	)

	def __init__(self, db):
		self.db = db
		self.actions = 0  # the app's actions running (their reservation checks wait for the action's end)
		self.registered = False  # the flush is registered before the transaction's commit
		self.clear()

	def clear(self) -> None:
		self.orders: dict[str, list] = {}  # Customer Order -> the documents that caused its change
		self.sales_orders: dict[str, list] = {}  # Sales Order -> causes (its orders found at the flush)
		self.costs: set[str] = set()  # orders whose costs alone changed (their profitability)
		self.bins: set[tuple[str, str]] = set()
		self.reservations: list = []
		self.items: set[str] = set()

	def empty(self) -> bool:
		return not (
			self.orders or self.sales_orders or self.costs or self.bins or self.reservations or self.items
		)


def _current(create: bool = True) -> Intake | None:
	intake = getattr(frappe.local, "order_mgmt_intake", None)
	if intake is not None and intake.db is not frappe.db:  # a new connection: the old one's marks are gone
		intake = None
	if intake is None:
		if not create:
			return None
		intake = frappe.local.order_mgmt_intake = Intake(frappe.db)
	if create and not intake.registered:
		frappe.db.before_commit.add(_flush_before_commit)
		frappe.db.after_rollback.add(_rolled_back)
		intake.registered = True
	return intake


def _rolled_back() -> None:
	"""The transaction was rolled back (Frappe drops the commit's callbacks with it): so are its marks. A
	running action (`stock_guard.fresh_snapshot` rolls back an action's empty transaction) stays one."""
	intake = _current(create=False)
	if intake is not None:
		intake.clear()
		intake.registered = False


def _add_cause(causes: list, cause) -> None:
	if cause is not None and all((d.doctype, d.name) != (cause.doctype, cause.name) for d in causes):
		causes.append(cause)


# --- marks: what the events call -------------------------------------------------------------------------


def mark_orders(names, cause=None) -> None:
	"""These Customer Orders changed (their figures are recomputed at the flush)."""
	names = [n for n in names or () if n]
	if names:
		intake = _current()
		for name in names:
			_add_cause(intake.orders.setdefault(name, []), cause)


def mark_sales_orders(sales_orders, cause=None) -> None:
	"""These Sales Orders changed: their Customer Orders, if any, are recomputed at the flush (found there
	with one query for all)."""
	sales_orders = [s for s in sales_orders or () if s]
	if sales_orders:
		intake = _current()
		for name in sales_orders:
			_add_cause(intake.sales_orders.setdefault(name, []), cause)


def mark_costs(names, cause=None) -> None:
	"""Costs booked to these orders changed (job costs, time, a revaluation of what they delivered): their
	profitability is recomputed at the flush, whatever their status."""
	names = {n for n in names or () if n}
	if names:
		_current().costs.update(names)


def mark_bins(pairs) -> None:
	"""ERPNext wrote these (item, warehouse) Bins' Reserved Stock: re-summed under the lock at the flush."""
	pairs = {(i, w) for i, w in pairs or () if i and w}
	if pairs:
		_current().bins.update(pairs)


def mark_items(item_codes) -> None:
	"""Stock of these items moved or was newly demanded: the other open orders of the items whose *Not
	enough* verdict moves, and those whose Work Orders wait for the items as parts, are recomputed after the
	commit (`figures.shortages.recompute_changed_shortages`)."""
	items = {i for i in item_codes or () if i}
	if items:
		_current().items.update(items)


def check_reservation(doc) -> None:
	"""A Stock Reservation Entry before its submit: inside an action of the app, checked with the others at
	the action's end (ERPNext makes one entry per line: one locking read for all); else now."""
	from order_mgmt.services import stock_guard

	intake = _current(create=False)
	if intake is not None and intake.actions:
		intake.reservations.append(doc)
	else:
		stock_guard.check_reservation(doc)


# --- the app's actions ----------------------------------------------------------------------------------


def action_started() -> None:
	_current().actions += 1


def action_ended(done: bool) -> None:
	"""The end of an action: when the outermost one succeeded, flushed (its answer shows fresh figures, and
	its checks fail inside the request), before its savepoint is released."""
	intake = _current(create=False)
	if intake is None:
		return
	intake.actions = max(intake.actions - 1, 0)
	if not done:
		intake.reservations.clear()  # rolled back with the action's savepoint
	elif not intake.actions:
		flush()


# --- the flush ------------------------------------------------------------------------------------------


def flush() -> list[str]:
	"""Do what the marks ask now, once; returns the orders recomputed. Marks made meanwhile (the recompute
	writes orders; ERPNext's events may fire) are done in the same flush."""
	from order_mgmt.figures import engine, shortages
	from order_mgmt.services import stock_guard

	done: list[str] = []
	for _round in range(5):
		intake = _current(create=False)
		if intake is None or intake.empty():
			break
		bins, reservations = sorted(intake.bins), list(intake.reservations)
		orders, sales_orders, items, costs = intake.orders, intake.sales_orders, intake.items, intake.costs
		intake.clear()

		if bins:  # of stock items only (one query)
			stock_guard.resync_reserved_stock(stock_guard.stock_pairs(bins))
		stock_guard.check_reservations(reservations)
		if sales_orders:
			for sales_order, names in engine.orders_of_sales_orders_by_sales_order(sales_orders).items():
				for name in names:
					causes = orders.setdefault(name, [])
					for cause in sales_orders[sales_order]:
						_add_cause(causes, cause)
		# one recompute per set of causing documents (an action's orders share theirs: usually one set)
		by_causes = defaultdict(list)
		for name, causes in orders.items():
			by_causes[tuple((d.doctype, d.name) for d in causes)].append(name)
		for names in by_causes.values():
			engine.recompute(names, cause=orders[names[0]])
			done.extend(names)
		engine.recompute_profit(costs - set(orders))
		if items:
			shortages.queue_after_commit(items)
	return done


def _flush_before_commit() -> None:
	flush()
	intake = _current(create=False)
	if intake is not None:
		intake.registered = False  # Frappe runs a commit's callbacks once


def log_not_queued(what: str, error: Exception | None = None) -> None:
	"""After the commit nothing may turn a done action into an error: what could not be queued is logged
	(Error Log) and the nightly run catches up."""
	frappe.log_error(
		title=_("Order Management: not queued"),
		message=_("{0} could not be queued; the nightly run brings it up to date.").format(what)
		+ "\n\n"
		+ frappe.get_traceback(),
	)
