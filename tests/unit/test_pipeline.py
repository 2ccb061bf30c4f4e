"""The pipeline's transition table and automatic status, case by case (no site needed)."""

import pytest

from order_mgmt.rules import pipeline as p
from order_mgmt.rules.pipeline import Action as A

Q, W, C = p.QUOTATION, p.WAITING_FOR_CONFIRMATION, p.CONFIRMED
WP, IP, RS, S, D = p.WAITING_FOR_PRODUCTION, p.IN_PRODUCTION, p.READY_FOR_SHIPMENT, p.SHIPPED, p.DELIVERED
X, AR = p.CANCELED, p.ARCHIVED

# (from, to, action, allowed, words in the refusal)
TRANSITION_CASES = [
	# manual moves of a draft
	(Q, W, A.MANUAL, True, ""),
	(W, Q, A.MANUAL, True, ""),
	(Q, Q, A.MANUAL, True, ""),
	# confirming = submitting, from either draft status
	(Q, C, A.CONFIRM, True, ""),
	(W, C, A.CONFIRM, True, ""),
	(Q, C, A.MANUAL, False, "submitting"),
	(W, C, A.MANUAL, False, "submitting"),
	(C, C, A.CONFIRM, True, ""),
	# a draft skips nothing: no automatic or final status before confirmation
	(Q, S, A.AUTOMATIC, False, "cannot move"),
	(W, RS, A.AUTOMATIC, False, "cannot move"),
	(Q, D, A.MANUAL, False, "Shipped"),
	(Q, X, A.CANCEL, False, "cannot move"),
	# automatic steps, forward, skipping, and back when a document is cancelled
	(C, WP, A.AUTOMATIC, True, ""),
	(C, IP, A.AUTOMATIC, True, ""),
	(C, RS, A.AUTOMATIC, True, ""),
	(C, S, A.AUTOMATIC, True, ""),
	(WP, IP, A.AUTOMATIC, True, ""),
	(IP, RS, A.AUTOMATIC, True, ""),
	(RS, S, A.AUTOMATIC, True, ""),
	(S, RS, A.AUTOMATIC, True, ""),
	(S, C, A.AUTOMATIC, True, ""),
	(RS, C, A.AUTOMATIC, True, ""),
	# automatic statuses are never set by hand
	(C, WP, A.MANUAL, False, "automatically"),
	(C, RS, A.MANUAL, False, "automatically"),
	(C, S, A.MANUAL, False, "automatically"),
	(RS, S, A.MANUAL, False, "automatically"),
	# Delivered only after Shipped, by hand
	(S, D, A.MANUAL, True, ""),
	(S, D, A.AUTOMATIC, False, "Shipped"),
	(C, D, A.MANUAL, False, "only after it is Shipped"),
	(RS, D, A.MANUAL, False, "only after it is Shipped"),
	(IP, D, A.MANUAL, False, "only after it is Shipped"),
	# the automatic recompute never leaves Delivered
	(D, S, A.AUTOMATIC, False, "cannot move"),
	(D, C, A.AUTOMATIC, False, "cannot move"),
	# cancel from any confirmed, unfinished status
	(C, X, A.CANCEL, True, ""),
	(WP, X, A.CANCEL, True, ""),
	(IP, X, A.CANCEL, True, ""),
	(RS, X, A.CANCEL, True, ""),
	(S, X, A.CANCEL, True, ""),
	(C, X, A.MANUAL, False, "cannot move"),
	(D, X, A.CANCEL, False, "cannot move"),
	# a canceled order cannot be restored
	(X, C, A.MANUAL, False, "cannot be restored"),
	(X, C, A.CONFIRM, False, "cannot be restored"),
	(X, Q, A.MANUAL, False, "cannot be restored"),
	(X, S, A.AUTOMATIC, False, "cannot be restored"),
	(X, D, A.MANUAL, False, "cannot be restored"),
	# archiving
	(D, AR, A.ARCHIVE, True, ""),
	(X, AR, A.ARCHIVE, True, ""),
	(S, AR, A.ARCHIVE, False, "cannot move"),
	(C, AR, A.ARCHIVE, False, "cannot move"),
	(D, AR, A.MANUAL, False, "cannot move"),
	(AR, D, A.MANUAL, False, "archived"),
	(AR, C, A.AUTOMATIC, False, "archived"),
	# unknown statuses
	("Lost", C, A.MANUAL, False, "Unknown status"),
	(C, "Lost", A.MANUAL, False, "Unknown status"),
]


@pytest.mark.parametrize("current,target,action,allowed,words", TRANSITION_CASES)
def test_transition(current, target, action, allowed, words):
	verdict = p.check_transition(current, target, action)
	assert verdict.allowed is allowed
	if not allowed:
		assert words in verdict.message


# an order with nothing (left) to ship counts as shipped: (from, to, action, allowed, words)
NOTHING_TO_SHIP_CASES = [
	(C, D, A.MANUAL, True, ""),
	(RS, D, A.MANUAL, True, ""),
	(IP, D, A.MANUAL, True, ""),
	(WP, D, A.MANUAL, True, ""),
	(S, D, A.MANUAL, True, ""),
	# only by hand, only from a confirmed, unfinished order
	(C, D, A.AUTOMATIC, False, "Shipped"),
	(Q, D, A.MANUAL, False, "Shipped"),
	(W, D, A.MANUAL, False, "Shipped"),
	(X, D, A.MANUAL, False, "cannot be restored"),
	(AR, D, A.MANUAL, False, "archived"),
	# nothing else changes
	(C, S, A.MANUAL, False, "automatically"),
	(D, AR, A.ARCHIVE, True, ""),
]


@pytest.mark.parametrize("current,target,action,allowed,words", NOTHING_TO_SHIP_CASES)
def test_transition_with_nothing_to_ship(current, target, action, allowed, words):
	verdict = p.check_transition(current, target, action, nothing_to_ship=True)
	assert verdict.allowed is allowed
	if not allowed:
		assert words in verdict.message


def test_every_status_pair_is_decided_by_the_table():
	"""Outside the table only 'stay where you are' is allowed, whatever the action."""
	for a in p.STATUSES:
		for b in p.STATUSES:
			for action in A:
				verdict = p.check_transition(a, b, action)
				expected = a == b or p.TRANSITIONS.get((a, b)) == action
				assert verdict.allowed is expected, (a, b, action)
				if not verdict.allowed:
					assert verdict.reason


@pytest.mark.parametrize(
	"current,targets",
	[(Q, [W]), (W, [Q]), (C, []), (RS, []), (S, [D]), (D, []), (X, []), (AR, [])],
)
def test_manual_targets(current, targets):
	assert p.manual_targets(current) == targets


@pytest.mark.parametrize(
	"current,targets",
	[(Q, [W]), (C, [D]), (RS, [D]), (S, [D]), (D, []), (X, []), (AR, [])],
)
def test_manual_targets_with_nothing_to_ship(current, targets):
	assert p.manual_targets(current, nothing_to_ship=True) == targets


F = p.OrderFacts
# (current, facts, expected)
AUTOMATIC_CASES = [
	# drafts and finished orders are never touched
	(Q, F(ordered_qty=10, delivered_qty=10), Q),
	(W, F(ordered_qty=10, reserved_qty=10), W),
	(D, F(ordered_qty=10, delivered_qty=0), D),
	(X, F(ordered_qty=10, delivered_qty=10), X),
	(AR, F(ordered_qty=10, delivered_qty=10), AR),
	# nothing booked yet
	(C, F(ordered_qty=10), C),
	(C, F(ordered_qty=10, reserved_qty=6), C),
	# everything in stock and booked
	(C, F(ordered_qty=10, reserved_qty=10), RS),
	(C, F(ordered_qty=10, reserved_qty=6, delivered_qty=4), RS),
	# a shipped order stays Ready for Shipment while more is booked than still needed (seed)
	(C, F(ordered_qty=10, reserved_qty=12, delivered_qty=4), RS),
	(S, F(ordered_qty=10, reserved_qty=10, delivered_qty=0), RS),
	# all delivered
	(C, F(ordered_qty=10, delivered_qty=10), S),
	(RS, F(ordered_qty=10, delivered_qty=10), S),
	(RS, F(ordered_qty=10, delivered_qty=11), S),
	# a delivery cancelled moves the order back
	(S, F(ordered_qty=10, delivered_qty=4), C),
	(S, F(ordered_qty=10, delivered_qty=4, reserved_qty=6), RS),
	# production
	(C, F(ordered_qty=10, work_orders=2, work_orders_planned=1, incoming_qty=5, reserved_qty=5), C),
	(C, F(ordered_qty=10, work_orders=2, work_orders_planned=2, incoming_qty=10), WP),
	(C, F(ordered_qty=10, work_orders=1, work_orders_planned=1, incoming_qty=4, reserved_qty=6), WP),
	(C, F(ordered_qty=10, work_orders=1, work_orders_planned=1, incoming_qty=3, reserved_qty=6), C),
	(WP, F(ordered_qty=10, work_orders=1, work_orders_planned=1, work_orders_started=1), IP),
	(C, F(ordered_qty=10, work_orders=2, work_orders_planned=2, work_orders_started=1), IP),
	(IP, F(ordered_qty=10, reserved_qty=10, work_orders=1, work_orders_planned=1), RS),
	(IP, F(ordered_qty=10, work_orders=1, work_orders_planned=0), C),
	# reservation entries that wait for a receipt do not make the order ready
	(C, F(ordered_qty=10, reserved_qty=10, reserved_in_stock_qty=4), C),
	# an order of services only moves by hand
	(C, F(ordered_qty=0, has_stock_items=False), C),
	(S, F(ordered_qty=0, has_stock_items=False), C),
	(C, F(ordered_qty=10, skip_delivery_note=True), C),
	# a Sales Order closed after a partial delivery (short-close) is shipped; closed before any, not
	(C, F(ordered_qty=10, delivered_qty=4, sales_order_closed=True), S),
	(RS, F(ordered_qty=10, delivered_qty=4, reserved_qty=6, sales_order_closed=True), S),
	(C, F(ordered_qty=10, reserved_qty=10, sales_order_closed=True), C),
]


# (facts, nothing left to ship)
NOTHING_LEFT_CASES = [
	(F(ordered_qty=10), False),
	(F(ordered_qty=10, delivered_qty=4), False),
	# every stock line delivered (a mixed order's services aside: only stock lines are counted)
	(F(ordered_qty=10, delivered_qty=10), True),
	# services only
	(F(ordered_qty=0, has_stock_items=False), True),
	(F(ordered_qty=10, skip_delivery_note=True), True),
	# short-closed in ERPNext, after a partial delivery or none
	(F(ordered_qty=10, delivered_qty=4, sales_order_closed=True), True),
	(F(ordered_qty=10, sales_order_closed=True), True),
	# an order without lines has something to do yet
	(F(ordered_qty=0), False),
]


@pytest.mark.parametrize("facts,expected", NOTHING_LEFT_CASES)
def test_nothing_left_to_ship(facts, expected):
	assert p.nothing_left_to_ship(facts) is expected


@pytest.mark.parametrize("current,facts,expected", AUTOMATIC_CASES)
def test_automatic_status(current, facts, expected):
	assert p.automatic_status(current, facts) == expected


def test_automatic_status_is_always_an_allowed_automatic_move():
	for current, facts, _ in AUTOMATIC_CASES:
		target = p.automatic_status(current, facts)
		assert p.check_transition(current, target, A.AUTOMATIC).allowed, (current, target)


def test_probabilities_cover_every_status():
	assert set(p.DEFAULT_PROBABILITY) == set(p.STATUSES)
	assert all(0 <= v <= 100 for v in p.DEFAULT_PROBABILITY.values())
