"""Promise dates while quoting (issue 28): available to promise (ATP) from the free balance over time, and
capable to promise (CTP) from lead times when no planned supply covers a line. Pure Python, no Frappe
import; `today` is always passed in. Quantities are in stock units, per item and warehouse.

The free balance at date t (`Balance`):

    B(t) = stock - reserved stock
         + receipts due by t (open Purchase Order lines by the supplier's expected date, else their schedule
           date; open Work Orders by `rules.work_orders.expected_date`; a receipt already overdue counts
           today)
         - the unreserved need of every open Sales Order line due by t, less what the receipts made for
           that very line bring (a receipt made for a line adds only what it brings beyond the line's need,
           on its own date)

This is the supply and demand of the *Not enough* pass (`rules.sources.short_lines`), spread over time:
B(∞) is what that pass leaves free after every open line. Transfers (Material Requests of type Material
Transfer) count in neither. Quotations other than the one at hand take nothing.

The earliest promise for a quantity q is the earliest date p ≥ today from which B(t) - q ≥ 0 for every
t ≥ p: it breaks no promise made for a later date. Lines of one item in one request are served in
(requested date, line number) order, each taken out of the balance at its requested date when that holds,
else at its promise; a line with no ATP date gets a CTP date: today (bought) or its default BOM's
components' latest promise (manufactured, one level) plus the item's lead time; without a lead time it
cannot be promised.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

EPS = 1e-9

STOCK, PURCHASE_ORDER, WORK_ORDER = "Stock", "Purchase Order", "Work Order"

#: how a line is promised
ATP = "ATP"  # from stock and planned receipts
CTP_BUY = "CTP Purchase"  # with a new Purchase Order: today + lead time
CTP_MAKE = "CTP Manufacture"  # with a new Work Order: the components' promise + lead time
CANNOT = "Cannot"  # no planned supply covers it and a lead time it needs is unset
NOT_NEEDED = "Not needed"  # a service or non-stock item

#: the grid's indicator colours
GREEN, ORANGE, RED, GREY = "green", "orange", "red", "gray"


@dataclass(frozen=True)
class Receipt:
	"""An open planned receipt of an item into a warehouse (stock units)."""

	qty: float
	due: date | None
	kind: str = PURCHASE_ORDER
	name: str = ""
	#: the Sales Order line it is made for (it carries the line), "" when free for anybody
	for_line: str = ""


@dataclass(frozen=True)
class Need:
	"""Open Sales Order demand on a date: the unreserved need of one line (`key`), or of all lines due on
	that date without receipts of their own, summed (`key` "")."""

	qty: float
	due: date | None
	key: str = ""


@dataclass(frozen=True)
class Position:
	"""What is known of one item in one warehouse."""

	stock: float = 0.0
	reserved: float = 0.0
	receipts: tuple[Receipt, ...] = ()
	needs: tuple[Need, ...] = ()


@dataclass(frozen=True)
class Component:
	"""A stock component of a default BOM: per unit of the product, at the Work Order's source warehouse."""

	item_code: str
	warehouse: str
	per_unit: float


@dataclass(frozen=True)
class ItemFacts:
	is_stock_item: bool = True
	lead_time_days: int = 0
	#: default material request type Manufacture and a default BOM
	manufactured: bool = False
	components: tuple[Component, ...] = ()


@dataclass(frozen=True)
class Ask:
	"""A line to promise."""

	key: str
	idx: int
	item_code: str
	warehouse: str
	qty: float
	requested: date | None = None


@dataclass(frozen=True)
class Part:
	"""Where part of a promised quantity comes from: stock, or a receipt due on `due` (`overdue`: its own
	date has passed, it counts today)."""

	kind: str
	qty: float
	name: str = ""
	due: date | None = None
	overdue: bool = False


@dataclass(frozen=True)
class Promise:
	key: str
	idx: int
	item_code: str
	qty: float
	kind: str
	date: date | None = None
	requested: date | None = None
	parts: tuple[Part, ...] = ()
	#: of the quantity, how much holds on the requested date (ATP lines)
	on_requested: float = 0.0
	lead_time_days: int = 0
	#: CTP Manufacture: when the components are there
	components_date: date | None = None
	#: CANNOT: the item whose lead time is missing
	missing_lead_time: str = ""

	@property
	def late(self) -> bool:
		"""The requested date is earlier than the promise."""
		return (
			self.kind in (ATP, CTP_BUY, CTP_MAKE)
			and self.requested is not None
			and self.date is not None
			and self.requested < self.date
		)

	@property
	def warns(self) -> bool:
		"""A save or confirmation warns of it: its requested date is earlier than its promise, or no date
		can be promised at all."""
		return self.late or self.kind == CANNOT

	@property
	def indicator(self) -> str:
		"""green: the requested date holds (from stock); orange: it holds only with a receipt not yet
		received or a new Purchase / Work Order; red: the requested date is earlier than the promise; grey:
		cannot be promised, or not a stock item."""
		if self.kind in (CANNOT, NOT_NEEDED):
			return GREY
		if self.late:
			return RED
		if self.kind != ATP or any(p.kind != STOCK for p in self.parts):
			return ORANGE
		return GREEN


class Balance:
	"""The free balance B(t) of one item in one warehouse, with where each quantity comes from (to say
	which receipt a promise rests on)."""

	def __init__(self, position: Position, today: date):
		self.today = today
		self.deltas: dict[date, float] = defaultdict(float)
		#: [date it counts, quantity left, Part] in date order (stock first)
		self.supplies: list[list] = []
		#: [date, quantity] of what is taken
		self.demands: list[list] = []
		self._points = None
		free = position.stock - position.reserved
		if free >= 0:
			self._supply(today, free, Part(STOCK, free))
		else:
			self._demand(today, -free)
		needs = {n.key: n for n in position.needs if n.key}
		dedicated = defaultdict(list)
		for r in position.receipts:
			if r.qty <= EPS:
				continue
			if r.for_line:
				dedicated[r.for_line].append(r)
			else:
				self._receipt(r, r.qty)
		for line, receipts in dedicated.items():
			# a receipt made for a line serves that line (its earliest first); what it brings beyond the
			# line's need is free on its own date, and the line's need it covers is nobody's demand; one
			# made for a line that is no longer open demand is nobody's supply (as in the *Not enough* pass)
			need = needs.get(line)
			if need is None:
				continue
			left = need.qty
			for r in sorted(receipts, key=lambda r: (r.due or date.max, r.name)):
				used = min(left, r.qty)
				left -= used
				if r.qty - used > EPS:
					self._receipt(r, r.qty - used)
			needs[line] = Need(left, need.due, line)
		for n in position.needs:
			qty = needs[n.key].qty if n.key else n.qty
			if qty > EPS:
				# demand already due (or undated) is due now
				self._demand(max(n.due, today) if n.due else today, qty)

	def _receipt(self, r: Receipt, qty: float):
		if r.due is None:
			return  # a receipt nobody can date is not counted
		self._supply(
			max(r.due, self.today), qty, Part(r.kind, qty, r.name, r.due, overdue=r.due < self.today)
		)

	def _supply(self, day: date, qty: float, part: Part):
		self.deltas[day] += qty
		self.supplies.append([day, qty, part])
		self._points = None

	def _demand(self, day: date, qty: float):
		self.deltas[day] -= qty
		self.demands.append([day, qty])
		self._points = None

	def take(self, day: date, qty: float):
		"""A line promised for `day` takes `qty` out of the balance."""
		self._demand(max(day, self.today), qty)

	def points(self) -> list[tuple[date, float, float]]:
		"""[(date, B(date), min of B from that date on)], today first; B is constant until the next date."""
		if self._points is None:
			days = sorted(set(self.deltas) | {self.today})
			running, values = 0.0, []
			for day in days:
				running += self.deltas.get(day, 0.0)
				values.append(running)
			suffix, low = [], float("inf")
			for value in reversed(values):
				low = min(low, value)
				suffix.append(low)
			suffix.reverse()
			self._points = list(zip(days, values, suffix, strict=True))
		return self._points

	def at(self, day: date) -> float:
		value = 0.0
		for d, b, _low in self.points():
			if d > day:
				break
			value = b
		return value

	def lowest_from(self, day: date) -> float:
		"""min B(t) for t ≥ day."""
		low = None
		for d, b, suffix in self.points():
			if d <= day:
				low = b
			else:
				return min(low, suffix) if low is not None else suffix
		return low if low is not None else 0.0

	def earliest(self, qty: float) -> date | None:
		"""The earliest date from which B(t) - qty ≥ 0 for every later t, or None."""
		for d, _b, suffix in self.points():
			if suffix - qty >= -EPS:
				return d
		return None

	def holds_on(self, day: date) -> float:
		"""How much can be promised for `day` (never below 0)."""
		return max(self.lowest_from(max(day, self.today)), 0.0)

	def peg(self, day: date, qty: float) -> tuple[Part, ...]:
		"""Which supplies a line taken on `day` rests on: the demand due by then takes the earliest supply
		first, in date order; the line takes what is left of the supply due by `day`, earliest first."""
		left = [[d, q, part] for d, q, part in sorted(self.supplies, key=lambda s: s[0])]
		for due, need in sorted(self.demands, key=lambda x: x[0]):
			if due > day:
				break
			for s in left:
				if need <= EPS or s[0] > due:
					break
				used = min(need, s[1])
				s[1] -= used
				need -= used
		parts, want = [], qty
		for d, q, part in left:
			if want <= EPS or d > day:
				break
			used = min(want, q)
			if used > EPS:
				parts.append(Part(part.kind, used, part.name, part.due, part.overdue))
				want -= used
		return tuple(parts)


def promise(
	asks: list[Ask],
	positions: dict[tuple[str, str], Position],
	items: dict[str, ItemFacts],
	today: date,
) -> dict[str, Promise]:
	"""{Ask.key: Promise} for the lines of one request (an order's lines, or one item and quantity)."""
	balances: dict[tuple[str, str], Balance] = {}

	def balance(item_code: str, warehouse: str) -> Balance:
		pair = (item_code, warehouse)
		if pair not in balances:
			balances[pair] = Balance(positions.get(pair, Position()), today)
		return balances[pair]

	out = {}
	for ask in sorted(asks, key=lambda a: (a.requested or date.max, a.idx)):
		facts = items.get(ask.item_code) or ItemFacts(is_stock_item=False)
		base = dict(key=ask.key, idx=ask.idx, item_code=ask.item_code, qty=ask.qty, requested=ask.requested)
		if not facts.is_stock_item or ask.qty <= EPS:
			out[ask.key] = Promise(kind=NOT_NEEDED, **base)
			continue
		bal = balance(ask.item_code, ask.warehouse)
		day = bal.earliest(ask.qty)
		if day is not None:
			on_requested = min(bal.holds_on(ask.requested), ask.qty) if ask.requested else 0.0
			parts = bal.peg(day, ask.qty)
			holds = ask.requested is not None and ask.requested >= day
			bal.take(ask.requested if holds else day, ask.qty)
			out[ask.key] = Promise(kind=ATP, date=day, parts=parts, on_requested=on_requested, **base)
			continue
		out[ask.key] = capable(ask, facts, items, balance, today, base)
	return out


def capable(ask: Ask, facts: ItemFacts, items, balance, today: date, base: dict) -> Promise:
	"""CTP: the whole quantity with a new Purchase Order (today + lead time) or, for an item made by default
	(default material request type Manufacture and a default BOM), a new Work Order (its stock components'
	latest promise + lead time; a component's promise is its ATP date, else today + its own lead time)."""
	lead = int(facts.lead_time_days or 0)
	if lead <= 0:
		return Promise(kind=CANNOT, missing_lead_time=ask.item_code, **base)
	if not facts.manufactured:
		return Promise(kind=CTP_BUY, date=today + timedelta(days=lead), lead_time_days=lead, **base)
	ready, takes = today, []
	for c in facts.components:
		comp = items.get(c.item_code) or ItemFacts(is_stock_item=False)
		qty = ask.qty * c.per_unit
		if not comp.is_stock_item or qty <= EPS:
			continue
		bal = balance(c.item_code, c.warehouse)
		day = bal.earliest(qty)
		if day is not None:
			takes.append((bal, day, qty))
		else:
			comp_lead = int(comp.lead_time_days or 0)
			if comp_lead <= 0:
				return Promise(kind=CANNOT, missing_lead_time=c.item_code, **base)
			day = today + timedelta(days=comp_lead)
		ready = max(ready, day)
	for bal, day, qty in takes:
		bal.take(day, qty)
	return Promise(
		kind=CTP_MAKE,
		date=ready + timedelta(days=lead),
		lead_time_days=lead,
		components_date=ready,
		**base,
	)


# --- words --------------------------------------------------------------------------------------------


def _same(text: str) -> str:
	return text


def words(p: Promise, _=_same, day=str, number=str) -> str:
	"""The line's promise in words, e.g. "10 on 12 Dec (8 in stock, 2 from PO-0001 due 12 Dec)".
	`_` translates (the caller passes frappe's), `day` and `number` format a date and a quantity."""
	if p.kind == NOT_NEEDED:
		return _("No promise needed")
	if p.kind == CANNOT:
		return _("Cannot be promised: no planned supply covers it and {0} has no lead time").format(
			p.missing_lead_time
		)
	if p.kind == CTP_BUY:
		return _("{0} on {1} with a new Purchase Order (lead time {2} days)").format(
			number(p.qty), day(p.date), p.lead_time_days
		)
	if p.kind == CTP_MAKE:
		return _("{0} on {1} with a new Work Order (parts by {2}, lead time {3} days)").format(
			number(p.qty), day(p.date), day(p.components_date), p.lead_time_days
		)
	return _("{0} on {1} ({2})").format(
		number(p.qty), day(p.date), ", ".join(part_words(part, _, day, number) for part in p.parts)
	)


def part_words(part: Part, _=_same, day=str, number=str) -> str:
	if part.kind == STOCK:
		return _("{0} in stock").format(number(part.qty))
	if part.overdue:
		return _("{0} from {1}, overdue since {2}").format(number(part.qty), part.name, day(part.due))
	return _("{0} from {1} due {2}").format(number(part.qty), part.name, day(part.due))


def warning(p: Promise, _=_same, day=str, number=str) -> str:
	"""What a save or confirmation says of a line whose requested date is earlier than its promise: how
	many on the date, from which receipts, and the first date that works — or that no date can be promised."""
	if p.kind == CANNOT:
		return _(
			"Row {0}: no date can be promised for {1} of {2}: no planned supply covers it and {3} has no lead time"
		).format(p.idx, number(p.qty), p.item_code, p.missing_lead_time)
	if not p.late:
		return ""
	return _("Row {0}: {1} of {2} can be delivered on {3}; the first date that works is {4}: {5}").format(
		p.idx, number(p.on_requested), number(p.qty), day(p.requested), day(p.date), words(p, _, day, number)
	)


def taken_from_earlier(after: Balance, reserved: list[tuple[date, float]]) -> tuple[date, float] | None:
	"""A reservation just made for lines of one item and warehouse, `reserved` = [(the line's date, qty)],
	with `after` the free balance once it is made: the stock it took that earlier-dated orders, not reserved,
	need. Before the reservation B(t) was higher by what was reserved for lines due after t (a reserved line
	no longer needs it on its own date); what the reservation took at t is the shortage after less the shortage
	before. Answers (the date, the quantity) where it took most, or None when it took nothing anybody needs
	earlier."""
	worst = None
	for day, b, _low in after.points():
		moved = sum(q for due, q in reserved if due > day)
		if moved <= EPS:
			continue
		taken = max(0.0, -b) - max(0.0, -(b + moved))
		if taken > EPS and (worst is None or taken > worst[1] + EPS):
			worst = (day, taken)
	return worst


def taken_words(item: str, warehouse: str, day: date, qty: float, _=_same, fmt_day=str, number=str) -> str:
	return _(
		"{0} in {1}: this reservation took {2} that orders due by {3} need and have not reserved."
	).format(item, warehouse, number(qty), fmt_day(day))
