"""R17: orders confirmed before the customer e-mails existed count as announced (confirmed, shipped, and a
delay with its current expected date), so switching the e-mails on never sends old news."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabCustomer Order`
		set announced_status = if(status in ('Shipped', 'Delivered', 'Archived'), 'Shipped', 'Confirmed')
		where docstatus = 1 and status != 'Canceled' and ifnull(announced_status, '') = ''"""
	)
	frappe.db.sql(
		"""update `tabCustomer Order` co
		join (
			select parent, max(expected_date) as expected from `tabCustomer Order Item`
			where parenttype = 'Customer Order' and expected_date is not null
				and ifnull(product_status, '') != 'Delivered'
			group by parent
		) l on l.parent = co.name
		set co.announced_expected_date = l.expected
		where co.docstatus = 1 and co.product_status = 'Delayed' and co.announced_expected_date is null
			and co.status not in ('Shipped', 'Delivered', 'Archived', 'Canceled')"""
	)
