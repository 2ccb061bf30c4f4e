import frappe


def execute():
	"""Orders saved before `base_net_total` existed: their net total at their own exchange rate (what the
	Monthly Order Value chart adds up, never amounts in different currencies)."""
	frappe.db.sql(
		"""update `tabCustomer Order`
		set base_net_total = net_total * ifnull(nullif(conversion_rate, 0), 1)
		where ifnull(base_net_total, 0) = 0 and ifnull(net_total, 0) != 0"""
	)
