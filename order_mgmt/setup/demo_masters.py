"""The demo's masters (order_mgmt/setup/demo.py): company setup when the wizard never ran, customers with
addresses, suppliers, items with prices and BOMs, stock, a tax template, order areas, the order manager and a
deputy. Each is made only when missing, so a second run adds orders, not duplicates.
"""

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, nowdate

from order_mgmt import compat

PREFIX = "Demo"
MANAGER = "anna.manager@order-mgmt.demo"
DEPUTY = "ben.deputy@order-mgmt.demo"

CUSTOMERS = [
	("Alpine Water Works", "Innsbruck", "Austria"),
	("Baltic Food Processing", "Gdansk", "Poland"),
	("Cedar Valley Farms", "Boise", "United States"),
	("Danube Chemicals", "Bratislava", "Slovakia"),
	("Elbe Brewery", "Dresden", "Germany"),
	("Fjord Aquaculture", "Bergen", "Norway"),
	("Granite Mining Co.", "Sudbury", "Canada"),
	("Harbor Shipyards", "Rotterdam", "Netherlands"),
]
SUPPLIERS = ["Demo Steel Supply", "Demo Electric Motors", "Demo Instruments Trading"]

#: code: (name, kind, selling price, valuation / buying rate, opening stock)
ITEMS = {
	"DEMO-STEEL": ("Steel Sheet 2 mm", "raw", 0, 40, 600),
	"DEMO-MOTOR": ("Electric Motor 3 kW", "raw", 0, 180, 80),
	"DEMO-SEAL": ("Seal Kit", "raw", 0, 12, 400),
	"DEMO-PUMP": ("Centrifugal Pump P-100", "made", 1450, 0, 0),
	"DEMO-MIXER": ("Industrial Mixer M-20", "made", 3900, 0, 0),
	"DEMO-VALVE": ("Ball Valve DN50", "trade", 85, 38, 800),
	"DEMO-GAUGE": ("Pressure Gauge 16 bar", "trade", 45, 19, 40),
	"DEMO-FILTER": ("Water Filter F-7", "trade", 320, 150, 150),
	"DEMO-INSTALL": ("Installation and Commissioning", "service", 650, 0, 0),
	"DEMO-TRAINING": ("Operator Training (day)", "service", 480, 0, 0),
}
BOMS = {
	"DEMO-PUMP": [("DEMO-STEEL", 3), ("DEMO-MOTOR", 1), ("DEMO-SEAL", 2)],
	"DEMO-MIXER": [("DEMO-STEEL", 8), ("DEMO-MOTOR", 2), ("DEMO-SEAL", 4)],
}

#: how many orders end in each scenario (about 50 in all)
PLAN = [
	("quotation", 6),
	("waiting_for_confirmation", 5),
	("confirmed", 4),
	("late", 3),
	("purchasing", 3),
	("waiting_for_production", 4),
	("in_production", 3),
	("ready_for_shipment", 5),
	("part_shipped", 3),
	("shipped", 5),
	("delivered", 5),
	("canceled", 3),
	("archived", 2),
]


#: what the setup wizard is given on a site where it was never run (Frappe's `setup_complete`, as the
#: desk's wizard calls it; not ERPNext's test setup, which deletes every Item Price)
WIZARD = {
	"company_name": "Order Management Demo",
	"company_abbr": "OMD",
	"company_tagline": "Customer orders, from inquiry to payment",
	"currency": "EUR",
	"country": "Germany",
	"timezone": "Europe/Berlin",
	"language": "English",
	"chart_of_accounts": "Standard",
	"industry": "Manufacturing",
	"full_name": "Administrator",
}


def ensure_setup_complete(log=print) -> str | None:
	"""Complete the setup wizard with a demo company when the site has no company yet (a site made with
	`bench new-site --install-app erpnext`). Returns the company made, or None when one was there."""
	if frappe.db.a_row_exists("Company"):
		return None
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	if frappe.is_setup_complete():
		frappe.throw(
			_(
				"The setup wizard of this site is complete, but the site has no Company. Make a Company in ERPNext first."
			),
			title=_("No Company"),
		)
	year = getdate(nowdate()).year
	args = dict(WIZARD, fy_start_date=f"{year}-01-01", fy_end_date=f"{year}-12-31")
	log(f"Completing the setup wizard: company {args['company_name']} ({args['currency']}) …")
	setup_complete(args)
	if not frappe.db.a_row_exists("Company"):
		frappe.throw(_("The setup wizard did not complete; see the Error Log."), title=_("Setup Failed"))
	frappe.clear_cache()
	return args["company_name"]


def setup_masters(log) -> frappe._dict:
	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	abbr = frappe.get_cached_value("Company", company, "abbr")
	ctx = frappe._dict(
		company=company,
		currency=frappe.get_cached_value("Company", company, "default_currency"),
		stores=_warehouse(company, "Stores", abbr),
		wip=_warehouse(company, "Work In Progress", abbr),
		fg=_warehouse(company, "Finished Goods", abbr),
		today=getdate(nowdate()),
	)
	_stock_settings()
	_manufacturing_settings(ctx)
	ctx.manager, ctx.deputy = _user(MANAGER, "Anna", "Order Manager"), _user(DEPUTY, "Ben", "Order User")
	ctx.customers = [_customer(name, city, country) for name, city, country in CUSTOMERS]
	ctx.suppliers = [_supplier(name) for name in SUPPLIERS]
	ctx.tax = _tax_template(ctx)
	ctx.areas = _areas()
	for code, (item_name, kind, price, rate, _stock) in ITEMS.items():
		_item(code, item_name, kind, price, rate, ctx)
	for code, parts in BOMS.items():
		_bom(code, parts, ctx)
	_opening_stock(ctx)
	ctx.activity_type = _activity_type()
	log(
		f"Masters ready in {company}: {len(ctx.customers)} customers, {len(ITEMS)} items, stock in {ctx.stores}"
	)
	return ctx


def _warehouse(company, name, abbr):
	full = f"{name} - {abbr}"
	if frappe.db.exists("Warehouse", full):
		return full
	parent = frappe.db.get_value("Warehouse", {"company": company, "is_group": 1}, "name")
	return (
		frappe.get_doc(
			{"doctype": "Warehouse", "warehouse_name": name, "company": company, "parent_warehouse": parent}
		)
		.insert()
		.name
	)


def _stock_settings():
	settings = frappe.get_single("Stock Settings")
	if not (settings.enable_stock_reservation and settings.allow_partial_reservation):
		settings.enable_stock_reservation = settings.allow_partial_reservation = 1
		settings.save()


def _manufacturing_settings(ctx):
	# the work orders' default warehouses: Manufacturing Settings on v15, the Company's on v16 (compat)
	settings = compat.manufacturing_defaults(ctx.company)
	if not (settings.default_wip_warehouse and settings.default_fg_warehouse):
		settings.default_wip_warehouse = settings.default_wip_warehouse or ctx.wip
		settings.default_fg_warehouse = settings.default_fg_warehouse or ctx.fg
		settings.save()


def _user(email, first_name, role):
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"last_name": "Demo",
				"send_welcome_email": 0,
			}
		).insert(ignore_permissions=True)
		user.add_roles(role, "Sales User", "Stock User", "Accounts User", "Projects User")
	return email


def _leaf(doctype):
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="creation")


def _customer(name, city, country):
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": _leaf("Customer Group"),
				"territory": _leaf("Territory"),
			}
		).insert()
		if frappe.db.exists("Country", country):
			frappe.get_doc(
				{
					"doctype": "Address",
					"address_title": name,
					"address_type": "Billing",
					"address_line1": f"{city} Industrial Park 12",
					"city": city,
					"country": country,
					"is_primary_address": 1,
					"links": [{"link_doctype": "Customer", "link_name": name}],
				}
			).insert()
	return name


def _supplier(name):
	if not frappe.db.exists("Supplier", name):
		frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": name, "supplier_group": _leaf("Supplier Group")}
		).insert()
	return name


def _tax_template(ctx):
	title = f"{PREFIX} VAT 10%"
	name = frappe.db.get_value("Sales Taxes and Charges Template", {"title": title, "company": ctx.company})
	if name:
		return name
	account = frappe.db.get_value(
		"Account", {"company": ctx.company, "account_type": "Tax", "is_group": 0}, "name"
	) or frappe.db.get_value(
		"Account", {"company": ctx.company, "root_type": "Liability", "is_group": 0}, "name"
	)
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": title,
				"company": ctx.company,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": "VAT 10%",
						"rate": 10,
					}
				],
			}
		)
		.insert()
		.name
	)


def _areas():
	methodology = None
	if frappe.db.exists("DocType", "Order Methodology"):
		methodology = frappe.db.get_value("Order Methodology", {}, "name", order_by="creation")
	areas = []
	for name in ("Machinery Projects", "Spare Parts and Service"):
		if not frappe.db.exists("Order Area", name):
			frappe.get_doc(
				{
					"doctype": "Order Area",
					"area_name": name,
					"methodology": methodology if name == "Machinery Projects" else None,
				}
			).insert()
		areas.append(name)
	return areas


def _item(code, item_name, kind, price, rate, ctx):
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": item_name,
				"item_group": _leaf("Item Group"),
				"stock_uom": "Nos",
				"is_stock_item": 0 if kind == "service" else 1,
				"is_sales_item": 0 if kind == "raw" else 1,
				"is_purchase_item": 1 if kind in ("raw", "trade") else 0,
				"include_item_in_manufacturing": 1,
				"valuation_rate": rate or 0,
				"item_defaults": [{"company": ctx.company, "default_warehouse": ctx.stores}],
			}
		).insert()
	valid_from = add_months(ctx.today, -12)
	if price and not frappe.db.exists("Item Price", {"item_code": code, "price_list": "Standard Selling"}):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": code,
				"price_list": "Standard Selling",
				"price_list_rate": price,
				"valid_from": valid_from,
			}
		).insert()
	if rate and not frappe.db.exists("Item Price", {"item_code": code, "price_list": "Standard Buying"}):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": code,
				"price_list": "Standard Buying",
				"price_list_rate": rate,
				"valid_from": valid_from,
			}
		).insert()


def _bom(code, parts, ctx):
	if frappe.db.exists("BOM", {"item": code, "is_default": 1, "docstatus": 1}):
		return
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": code,
			"company": ctx.company,
			"quantity": 1,
			"is_default": 1,
			"is_active": 1,
			"rm_cost_as_per": "Valuation Rate",
			"items": [
				{"item_code": part, "qty": qty, "source_warehouse": ctx.stores, "rate": ITEMS[part][3]}
				for part, qty in parts
			],
		}
	).insert()
	bom.submit()


def _opening_stock(ctx):
	"""The opening stock, once (items that have no stock yet)."""
	receive_stock(ctx, {code: stock for code, (_n, _k, _p, _r, stock) in ITEMS.items() if stock}, below=0)


def receive_stock(ctx, quantities: dict[str, float], below: float):
	"""One Material Receipt (ERPNext's Stock Entry) of `quantities` of the demo items whose stock in the
	stores is at most `below`, at their valuation rate."""
	bins = dict(
		frappe.get_all(
			"Bin",
			filters={"warehouse": ctx.stores, "item_code": ("in", list(quantities))},
			fields=["item_code", "actual_qty"],
			as_list=True,
		)
	)
	rows = [
		{"item_code": code, "qty": qty, "basic_rate": ITEMS[code][3] or 1, "t_warehouse": ctx.stores}
		for code, qty in quantities.items()
		if flt(bins.get(code)) <= below
	]
	if rows:
		se = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": ctx.company,
				"items": rows,
			}
		).insert()
		se.submit()


def _activity_type():
	name = f"{PREFIX} Engineering"
	if not frappe.db.exists("Activity Type", name):
		frappe.get_doc(
			{"doctype": "Activity Type", "activity_type": name, "costing_rate": 45, "billing_rate": 90}
		).insert()
	return name
