"""Bench commands of the app: `bench --site SITE order-mgmt-demo` loads the demo dataset (R16);
`bench --site SITE order-mgmt-recompute [--full]` runs the nightly recompute now (R12)."""

import click
from frappe.commands import get_site, pass_context


@click.command("order-mgmt-demo")
@click.option("--orders", type=int, default=None, help="About how many orders to make (default about 50).")
@click.option(
	"--seed", type=int, default=7, help="Random seed: the same seed makes the same kind of dataset."
)
@pass_context
def order_mgmt_demo(context, orders=None, seed=7):
	"""Fill the site with a realistic demo: customers, items with stock and BOMs, and orders in every
	status with their reservations, work orders, purchase orders, deliveries, invoices, payments, tasks and
	meetings."""
	import frappe

	from order_mgmt.setup.demo import make_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		try:
			result = make_demo(orders=orders, seed=seed)
		except frappe.ValidationError as e:
			# a refusal (no company and a wizard that cannot run): its message, not a traceback
			frappe.db.rollback()
			click.secho(frappe.utils.strip_html(str(e)) or type(e).__name__, fg="red", err=True)
			raise SystemExit(1) from None
		if result["failed"]:
			click.secho(f"{len(result['failed'])} order(s) could not be made; see above.", fg="yellow")
		click.secho(f"Demo ready on {site}: {len(result['orders'])} orders.", fg="green")
	finally:
		frappe.destroy()


@click.command("order-mgmt-recompute")
@click.option(
	"--full", is_flag=True, default=False, help="Recompute every open order (default: what changed)."
)
@click.option("--batch-size", type=int, default=None, help="Orders per batch (default: the settings', 500).")
@pass_context
def order_mgmt_recompute(context, full=False, batch_size=None):
	"""Run the nightly recompute now, in this process: incremental (the orders whose next-check date came
	or whose documents changed since the last run), or --full (every open order). Recorded in the run log
	(Order Recompute Run) like the scheduled runs."""
	import frappe

	from order_mgmt.figures.runs import run_now

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		result = run_now(full=full, batch_size=batch_size)
		frappe.db.commit()
		click.secho(
			f"{result['kind']} run: {result['orders']} of {result['open']} open orders in {result['batches']} "
			f"batch(es), {result['lines']} lines, {result['changed']} orders / {result['lines_changed']} "
			f"lines changed, {result['seconds']:.1f} s.",
			fg="green",
		)
	finally:
		frappe.destroy()


commands = [order_mgmt_demo, order_mgmt_recompute]
