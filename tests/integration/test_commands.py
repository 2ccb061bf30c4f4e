"""The app's bench commands, run as an administrator runs them: a separate process on the test site."""

import json
import os
import subprocess
import sys

import frappe


def bench_command(*args) -> subprocess.CompletedProcess:
	return subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site, *args],
		cwd=os.getcwd(),  # the bench's sites folder (conftest)
		capture_output=True,
		text=True,
		timeout=600,
		check=False,
	)


def forget_queued_jobs(site: str) -> None:
	"""The jobs a dropped test site left in the bench's queues (no worker runs under the tests; Frappe v16
	also queues a job per deleted document) are deleted with it: they would never run, and a queue that
	only grows refuses new jobs at its limit."""
	from frappe.utils.background_jobs import get_queues

	for queue in get_queues():
		for job_id in queue.get_job_ids():
			job = queue.fetch_job(job_id)
			if job and (job.kwargs or {}).get("site") == site:
				job.delete()


def test_recompute_command_runs_the_nightly_job_now():
	from order_mgmt.figures import runs

	earlier = set(frappe.get_all(runs.RUN, pluck="name"))
	try:
		done = bench_command("order-mgmt-recompute", "--full", "--batch-size", "50")
		assert done.returncode == 0, done.stderr[-2000:]
		assert "Full run:" in done.stdout and "open orders in" in done.stdout and "changed" in done.stdout
		# the next run looks only at what changed since: nothing did
		done = bench_command("order-mgmt-recompute")
		assert done.returncode == 0, done.stderr[-2000:]
		assert "Incremental run:" in done.stdout and " 0 orders / 0 lines changed" in done.stdout
	finally:
		# the command commits its run log (another process): remove the runs it recorded
		frappe.db.rollback()
		made = set(frappe.get_all(runs.RUN, pluck="name")) - earlier
		if made:
			frappe.db.delete(runs.BATCH, {"parent": ("in", sorted(made))})
			frappe.db.delete(runs.RUN, {"name": ("in", sorted(made))})
			frappe.db.commit()


def test_the_commands_are_listed_with_their_help():
	done = bench_command("--help")
	assert done.returncode == 0, done.stderr[-2000:]
	assert "order-mgmt-demo" in done.stdout and "order-mgmt-recompute" in done.stdout


def test_the_demo_on_a_new_site_completes_the_setup_wizard_itself():
	"""A site made the usual way (`new-site --install-app erpnext`, `install-app order_mgmt`) has no
	company: the demo command runs Frappe's setup wizard with a demo company, then loads the demo."""
	site = "order-mgmt-wizard.localhost"
	root_password = os.environ.get("ORDER_MGMT_DB_ROOT_PASSWORD", "root")

	def on_site(*args):
		return subprocess.run(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *args],
			cwd=os.getcwd(),
			capture_output=True,
			text=True,
			timeout=1200,
			check=False,
		)

	made = on_site(
		"new-site", site, "--force", "--db-root-password", root_password, "--admin-password", "admin",
		"--install-app", "erpnext",
	)  # fmt: skip
	try:
		assert made.returncode == 0, made.stderr[-2000:]
		installed = on_site("--site", site, "install-app", "order_mgmt")
		assert installed.returncode == 0, installed.stderr[-2000:]

		done = on_site("--site", site, "order-mgmt-demo", "--orders", "13")
		assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
		assert "Traceback" not in done.stderr
		assert "Completing the setup wizard" in done.stdout
		assert "Demo ready on" in done.stdout and "could not be made" not in done.stdout

		counts = on_site(
			"--site", site, "execute", "order_mgmt.setup.demo.site_summary",
		)  # fmt: skip
		assert counts.returncode == 0, counts.stderr[-2000:]
		summary = json.loads(counts.stdout.strip().splitlines()[-1])
		assert summary["setup_complete"] and summary["company"] == "Order Management Demo"
		assert summary["currency"] == "EUR" and summary["fiscal_years"] >= 1
		assert summary["item_prices"] > 0 and summary["orders"] >= 13

		# run again: the wizard is not run twice, more orders are added to the same company
		again = on_site("--site", site, "order-mgmt-demo", "--orders", "13")
		assert again.returncode == 0, again.stderr[-2000:]
		assert "Completing the setup wizard" not in again.stdout
	finally:
		on_site("drop-site", site, "--force", "--no-backup", "--db-root-password", root_password)
		forget_queued_jobs(site)


def test_scripts_demo_makes_a_site_with_the_demo_and_reuses_it_when_run_again():
	"""Command one of the README (`scripts/demo --no-serve`), on the bench under test and a site of its own."""
	site = "order-mgmt-demo-script.localhost"
	root_password = os.environ.get("ORDER_MGMT_DB_ROOT_PASSWORD", "root")
	script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "demo")
	bench = os.path.dirname(os.getcwd())
	env = dict(os.environ, ORDER_MGMT_BENCH=bench)

	def demo():
		return subprocess.run(
			[script, "--no-serve", "--site", site, "--orders", "13"],
			capture_output=True, text=True, timeout=1200, check=False, env=env,
		)  # fmt: skip

	try:
		first = demo()
		assert first.returncode == 0, (first.stdout[-3000:], first.stderr[-3000:])
		assert "creating site" in first.stdout and "Demo ready on" in first.stdout
		assert f"ready: http://localhost:8000 (site {site})" in first.stdout
		again = demo()
		assert again.returncode == 0, (again.stdout[-3000:], again.stderr[-3000:])
		assert "creating site" not in again.stdout and "Demo ready" not in again.stdout
		assert "migrating" not in again.stdout
	finally:
		subprocess.run(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "drop-site", site, "--force",
			 "--no-backup", "--db-root-password", root_password],
			cwd=os.getcwd(), capture_output=True, timeout=600, check=False,
		)  # fmt: skip
		forget_queued_jobs(site)
