"""Methodologies (R9): which steps of a methodology become tasks of an order, with which dates and
dependencies.

Pure Python, no Frappe import. The adapter (`order_mgmt.services.planning`) reads the methodology, the order and the
tasks it already has, calls `plan()`, and creates the tasks it returns, in the order returned (every task
comes after the tasks it depends on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


class MethodologyError(ValueError):
	"""A methodology or a request to apply it that cannot be carried out.

	`code` says which rule failed, `args` the values the message needs; the adapter turns both into a
	translated message."""

	def __init__(self, code: str, **args):
		super().__init__(code, args)
		self.code = code
		self.args_ = args


#: error codes
SELF_DEPENDENCY = "self_dependency"
CYCLE = "cycle"
UNKNOWN_DEPENDENCY = "unknown_dependency"
DUPLICATE_STEP = "duplicate_step"
UNKNOWN_PART = "unknown_part"
NEGATIVE_OFFSET = "negative_offset"
NEGATIVE_DURATION = "negative_duration"
NOT_OPTIONAL = "not_optional"
NO_START = "no_start"


@dataclass(frozen=True)
class Part:
	name: str
	optional: bool = False


@dataclass(frozen=True)
class Step:
	step_id: str
	part: str
	subject: str
	offset_days: int = 0
	duration_days: int = 1
	depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedTask:
	step_id: str
	subject: str
	start: date
	end: date
	#: step ids this task depends on (each either planned earlier in the same plan or already a task)
	depends_on: tuple[str, ...] = field(default_factory=tuple)


def parse_depends_on(text: str | None) -> tuple[str, ...]:
	"""'S1, S2' / 'S1 S2' / 'S1\\nS2' → ('S1', 'S2'), without duplicates, order kept."""
	if not text:
		return ()
	out: list[str] = []
	for token in text.replace(",", " ").replace(";", " ").split():
		if token not in out:
			out.append(token)
	return tuple(out)


def validate(parts: list[Part], steps: list[Step]) -> None:
	"""Refuse a methodology that cannot be applied: duplicate step ids, steps in unknown parts, negative
	offsets or durations, dependencies on unknown steps, on themselves, or in a cycle."""
	part_names = {p.name for p in parts}
	seen: set[str] = set()
	for s in steps:
		if s.step_id in seen:
			raise MethodologyError(DUPLICATE_STEP, step=s.step_id)
		seen.add(s.step_id)
		if s.part and s.part not in part_names:
			raise MethodologyError(UNKNOWN_PART, step=s.step_id, part=s.part)
		if s.offset_days < 0:
			raise MethodologyError(NEGATIVE_OFFSET, step=s.step_id, offset=s.offset_days)
		if s.duration_days < 0:
			raise MethodologyError(NEGATIVE_DURATION, step=s.step_id, duration=s.duration_days)
	for s in steps:
		for dep in s.depends_on:
			if dep == s.step_id:
				raise MethodologyError(SELF_DEPENDENCY, step=s.step_id)
			if dep not in seen:
				raise MethodologyError(UNKNOWN_DEPENDENCY, step=s.step_id, dependency=dep)
	cycle = find_cycle(steps)
	if cycle:
		raise MethodologyError(CYCLE, cycle=cycle)


def find_cycle(steps: list[Step]) -> tuple[str, ...] | None:
	"""The first dependency cycle found, as step ids ('A', 'B', 'A'), or None. Unknown ids are ignored."""
	graph = {s.step_id: [d for d in s.depends_on] for s in steps}
	WHITE, GREY, BLACK = 0, 1, 2
	colour = dict.fromkeys(graph, WHITE)

	for root in graph:
		if colour[root] != WHITE:
			continue
		# iterative depth-first search; path holds the grey nodes
		path: list[str] = [root]
		iters = [iter(graph[root])]
		colour[root] = GREY
		while iters:
			nxt = next(iters[-1], None)
			if nxt is None:
				colour[path.pop()] = BLACK
				iters.pop()
				continue
			if nxt not in graph:
				continue
			if colour[nxt] == GREY:
				return (*path[path.index(nxt) :], nxt)
			if colour[nxt] == WHITE:
				colour[nxt] = GREY
				path.append(nxt)
				iters.append(iter(graph[nxt]))
	return None


def task_dates(start: date, offset_days: int, duration_days: int) -> tuple[date, date]:
	"""A step starts `offset_days` after the order starts and lasts `duration_days` calendar days
	(0 = a one-day milestone): day 0 is the first day of the order."""
	if offset_days < 0:
		raise MethodologyError(NEGATIVE_OFFSET, offset=offset_days)
	begin = start + timedelta(days=offset_days)
	return begin, begin + timedelta(days=max(duration_days, 1) - 1)


def selected_steps(parts: list[Part], steps: list[Step], chosen_optional: list[str] | set[str]) -> list[Step]:
	"""Steps of the mandatory parts and of the optional parts chosen (steps without a part are mandatory).
	Choosing a part that is not optional, or does not exist, is refused."""
	optional = {p.name for p in parts if p.optional}
	for name in chosen_optional:
		if name not in optional:
			raise MethodologyError(NOT_OPTIONAL, part=name)
	return [s for s in steps if not s.part or s.part not in optional or s.part in chosen_optional]


def plan(
	parts: list[Part],
	steps: list[Step],
	chosen_optional: list[str] | set[str],
	start: date | None,
	existing_step_ids: set[str] | frozenset[str] = frozenset(),
) -> list[PlannedTask]:
	"""The tasks to create for an order starting on `start`, in dependency order.

	Steps whose task the order already has (`existing_step_ids`) are not planned again; a new task may
	depend on them. Dependencies on steps that are neither chosen nor existing (an optional part not
	taken) are dropped."""
	validate(parts, steps)
	if start is None:
		raise MethodologyError(NO_START)
	chosen = selected_steps(parts, steps, chosen_optional)
	chosen_ids = {s.step_id for s in chosen}
	available = chosen_ids | set(existing_step_ids)
	by_id = {s.step_id: s for s in chosen}

	ordered: list[str] = []
	done: set[str] = set()

	def visit(step_id: str):
		# no cycle possible here: validate() refused them
		if step_id in done:
			return
		done.add(step_id)
		for dep in by_id[step_id].depends_on:
			if dep in by_id:
				visit(dep)
		ordered.append(step_id)

	for s in chosen:
		visit(s.step_id)

	out = []
	for step_id in ordered:
		if step_id in existing_step_ids:
			continue
		s = by_id[step_id]
		begin, end = task_dates(start, s.offset_days, s.duration_days)
		out.append(
			PlannedTask(
				step_id=s.step_id,
				subject=s.subject,
				start=begin,
				end=end,
				depends_on=tuple(d for d in s.depends_on if d in available),
			)
		)
	return out
