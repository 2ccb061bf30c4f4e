"""Desk views the app ships that are records rather than module files (R2, R11, R16): the kanban board
"Order Pipeline" on the Customer Order's status. Called from `install.py`; idempotent, and
`remove_desk_setup` takes away what `setup_desk` added.

The board moves a card with `frappe.set_value` → `save()`: the Customer Order's own validation refuses a
move that the pipeline table does not allow, so the board needs no rules of its own."""

import frappe

from order_mgmt.rules import pipeline

KANBAN_BOARD = "Order Pipeline"

#: column colour per status (Kanban Board Column.indicator), the same as the list view's indicators
INDICATORS = {
	pipeline.QUOTATION: "Gray",
	pipeline.WAITING_FOR_CONFIRMATION: "Yellow",
	pipeline.CONFIRMED: "Blue",
	pipeline.WAITING_FOR_PRODUCTION: "Orange",
	pipeline.IN_PRODUCTION: "Purple",
	pipeline.READY_FOR_SHIPMENT: "Cyan",
	pipeline.SHIPPED: "Light Blue",
	pipeline.DELIVERED: "Green",
	pipeline.CANCELED: "Red",
	pipeline.ARCHIVED: "Gray",
}

#: fields shown on each card
CARD_FIELDS = ["customer_name", "grand_total", "delivery_date", "order_manager"]


def setup_desk():
	make_kanban_board()


def remove_desk_setup():
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		frappe.delete_doc("Kanban Board", KANBAN_BOARD, ignore_permissions=True, force=True)


def make_kanban_board():
	"""The public board "Order Pipeline": one column per status, in pipeline order. Columns an
	administrator archived or re-coloured are left as they are; missing ones are added."""
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		board = frappe.get_doc("Kanban Board", KANBAN_BOARD)
		present = {c.column_name for c in board.columns}
		missing = [s for s in pipeline.STATUSES if s not in present]
		if not missing and board.field_name == "status" and board.reference_doctype == "Customer Order":
			return board
		board.reference_doctype = "Customer Order"
		board.field_name = "status"
		for status in missing:
			board.append(
				"columns", {"column_name": status, "status": "Active", "indicator": INDICATORS[status]}
			)
			board.columns[-1].order = "[]"
	else:
		board = frappe.get_doc(
			{
				"doctype": "Kanban Board",
				"kanban_board_name": KANBAN_BOARD,
				"reference_doctype": "Customer Order",
				"field_name": "status",
				"private": 0,
				"show_labels": 1,
				"fields": frappe.as_json(CARD_FIELDS),
				"columns": [
					{"column_name": s, "status": "Active", "indicator": INDICATORS[s]}
					for s in pipeline.STATUSES
				],
			}
		)
	board.flags.ignore_permissions = True
	board.save()
	return board
