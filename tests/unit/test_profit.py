"""Profit and margin of an order (order_mgmt.rules.profit): one row per case."""

import pytest

from order_mgmt.rules.profit import Costs, profitability

CASES = [
	# revenue, (goods, time, purchases, other), total cost, profit, margin
	("nothing yet", 0, (0, 0, 0, 0), 0, 0, None),
	("costs before any invoice", 0, (40, 10, 0, 0), 50, -50, None),
	("revenue only", 200, (0, 0, 0, 0), 0, 200, 100.0),
	("all four kinds of cost", 1000, (400, 150, 100, 50), 700, 300, 30.0),
	("loss", 100, (80, 30, 0, 15), 125, -25, -25.0),
	("break even", 250, (200, 50, 0, 0), 250, 0, 0.0),
	("rounding of a third", 300, (200, 0, 0, 0), 200, 100, 33.33),
	("two-thirds margin rounds up", 300, (100, 0, 0, 0), 100, 200, 66.67),
	("cents", 99.99, (33.33, 0.01, 0, 0), 33.34, 66.65, 66.66),
	("a returned delivery lowers the cost", 100, (-20, 0, 0, 0), -20, 120, 120.0),
]


@pytest.mark.parametrize("case,revenue,costs,total,profit,margin", CASES, ids=[c[0] for c in CASES])
def test_profitability(case, revenue, costs, total, profit, margin):
	result = profitability(revenue, Costs(*costs))
	assert (result.total_cost, result.profit_amount, result.profit_margin) == (total, profit, margin)
	assert result.revenue_amount == round(revenue, 2)


CREDITED = [
	# invoiced net, credited net, cost of goods (net of returned deliveries), revenue, profit
	("no credit note", 100, 0, 40, 100, 60),
	("partial credit note with the goods returned", 100, 40, 24, 60, 36),
	("full credit note, all goods back", 100, 100, 0, 0, 0),
	("credit note without a return (price allowance)", 100, 10, 40, 90, 50),
]


@pytest.mark.parametrize(
	"case,invoiced,credited,goods,revenue,profit", CREDITED, ids=[c[0] for c in CREDITED]
)
def test_credit_notes_lower_the_revenue(case, invoiced, credited, goods, revenue, profit):
	result = profitability(invoiced, Costs(cost_of_goods=goods), credited=credited)
	assert (result.revenue_amount, result.profit_amount) == (revenue, profit)
