"""Methodology rules, case by case (no site needed): cycles, which steps become tasks, their dates."""

from datetime import date

import pytest

from order_mgmt.rules import methodology as m
from order_mgmt.rules.methodology import Part, Step

START = date(2026, 3, 2)

PARTS = [Part("Preparation"), Part("Training", optional=True), Part("Handover"), Part("Audit", optional=True)]
STEPS = [
	Step("P1", "Preparation", "Kick-off", 0, 1),
	Step("P2", "Preparation", "Analysis", 1, 5, ("P1",)),
	Step("T1", "Training", "Train users", 6, 2, ("P2",)),
	Step("H1", "Handover", "Handover", 8, 1, ("P2", "T1")),
	Step("A1", "Audit", "Audit", 10, 3, ("H1",)),
]


def step(step_id, depends_on=(), part="Preparation", offset=0, duration=1):
	return Step(step_id, part, step_id, offset, duration, tuple(depends_on))


# (steps, expected cycle or None)
CYCLE_CASES = [
	([], None),
	([step("A")], None),
	([step("A"), step("B", ["A"]), step("C", ["A", "B"])], None),
	([step("A", ["A"])], ("A", "A")),
	([step("A", ["B"]), step("B", ["A"])], ("A", "B", "A")),
	([step("A", ["B"]), step("B", ["C"]), step("C", ["A"])], ("A", "B", "C", "A")),
	([step("X"), step("A", ["B"]), step("B", ["C"]), step("C", ["B"])], ("B", "C", "B")),
	# a diamond is not a cycle
	([step("A"), step("B", ["A"]), step("C", ["A"]), step("D", ["B", "C"])], None),
	# unknown ids are not cycles (validate() refuses them separately)
	([step("A", ["Z"])], None),
]


@pytest.mark.parametrize("steps, expected", CYCLE_CASES)
def test_find_cycle(steps, expected):
	assert m.find_cycle(steps) == expected


# (steps, parts, error code or None)
VALIDATE_CASES = [
	(STEPS, PARTS, None),
	([step("A", ["A"])], PARTS, m.SELF_DEPENDENCY),
	([step("A", ["B"]), step("B", ["A"])], PARTS, m.CYCLE),
	([step("A", ["Q"])], PARTS, m.UNKNOWN_DEPENDENCY),
	([step("A"), step("A")], PARTS, m.DUPLICATE_STEP),
	([step("A", part="Nowhere")], PARTS, m.UNKNOWN_PART),
	([step("A", offset=-1)], PARTS, m.NEGATIVE_OFFSET),
	([step("A", duration=-2)], PARTS, m.NEGATIVE_DURATION),
	([step("A", part="")], PARTS, None),
]


@pytest.mark.parametrize("steps, parts, code", VALIDATE_CASES)
def test_validate(steps, parts, code):
	if code is None:
		m.validate(parts, steps)
	else:
		with pytest.raises(m.MethodologyError) as e:
			m.validate(parts, steps)
		assert e.value.code == code


# (offset, duration, expected start, expected end)
DATE_CASES = [
	(0, 1, date(2026, 3, 2), date(2026, 3, 2)),
	(0, 0, date(2026, 3, 2), date(2026, 3, 2)),
	(1, 5, date(2026, 3, 3), date(2026, 3, 7)),
	(29, 2, date(2026, 3, 31), date(2026, 4, 1)),
]


@pytest.mark.parametrize("offset, duration, start, end", DATE_CASES)
def test_task_dates(offset, duration, start, end):
	assert m.task_dates(START, offset, duration) == (start, end)


def test_negative_offset_is_before_the_order_starts():
	with pytest.raises(m.MethodologyError) as e:
		m.task_dates(START, -1, 3)
	assert e.value.code == m.NEGATIVE_OFFSET


# (optional parts chosen, existing step ids, expected [(step, depends_on)] in creation order)
PLAN_CASES = [
	([], set(), [("P1", ()), ("P2", ("P1",)), ("H1", ("P2",))]),
	(["Training"], set(), [("P1", ()), ("P2", ("P1",)), ("T1", ("P2",)), ("H1", ("P2", "T1"))]),
	(
		["Training", "Audit"],
		set(),
		[("P1", ()), ("P2", ("P1",)), ("T1", ("P2",)), ("H1", ("P2", "T1")), ("A1", ("H1",))],
	),
	# applied again with the same choice: nothing new
	(["Training"], {"P1", "P2", "T1", "H1"}, []),
	# first without training, then with it: only the training step, which depends on an existing task
	(["Training"], {"P1", "P2", "H1"}, [("T1", ("P2",))]),
	# audit later: depends on the existing handover
	(["Audit"], {"P1", "P2", "H1"}, [("A1", ("H1",))]),
	# a task deleted by hand is made again
	([], {"P1", "H1"}, [("P2", ("P1",))]),
]


@pytest.mark.parametrize("chosen, existing, expected", PLAN_CASES)
def test_plan(chosen, existing, expected):
	planned = m.plan(PARTS, STEPS, chosen, START, existing)
	assert [(t.step_id, t.depends_on) for t in planned] == expected


def test_plan_orders_dependencies_first_whatever_the_row_order():
	steps = [step("C", ["B"]), step("B", ["A"]), step("A")]
	assert [t.step_id for t in m.plan(PARTS, steps, [], START)] == ["A", "B", "C"]


def test_plan_dates_are_relative_to_the_start():
	planned = {t.step_id: t for t in m.plan(PARTS, STEPS, ["Training"], START)}
	assert (planned["P2"].start, planned["P2"].end) == (date(2026, 3, 3), date(2026, 3, 7))
	assert (planned["H1"].start, planned["H1"].end) == (date(2026, 3, 10), date(2026, 3, 10))


# (chosen, error code)
PLAN_ERROR_CASES = [
	(["Preparation"], m.NOT_OPTIONAL),
	(["No such part"], m.NOT_OPTIONAL),
]


@pytest.mark.parametrize("chosen, code", PLAN_ERROR_CASES)
def test_plan_refuses(chosen, code):
	with pytest.raises(m.MethodologyError) as e:
		m.plan(PARTS, STEPS, chosen, START)
	assert e.value.code == code


def test_plan_needs_a_start():
	with pytest.raises(m.MethodologyError) as e:
		m.plan(PARTS, STEPS, [], None)
	assert e.value.code == m.NO_START


def test_plan_refuses_a_cycle():
	with pytest.raises(m.MethodologyError) as e:
		m.plan(PARTS, [step("A", ["B"]), step("B", ["A"])], [], START)
	assert e.value.code == m.CYCLE


@pytest.mark.parametrize(
	"text, expected",
	[(None, ()), ("", ()), ("S1", ("S1",)), ("S1, S2", ("S1", "S2")), ("S1 S2\nS3;S1", ("S1", "S2", "S3"))],
)
def test_parse_depends_on(text, expected):
	assert m.parse_depends_on(text) == expected
