from order_mgmt.setup.install import enable_stock_reservation


def execute():
	"""Sites that installed the app before reservations: switch ERPNext's stock reservation on once."""
	enable_stock_reservation()
