"""The app's bench commands, run as an administrator runs them: a separate process on the test site."""

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


def test_recompute_command_runs_the_nightly_job_now():
	done = bench_command("order-mgmt-recompute", "--batch-size", "50")
	assert done.returncode == 0, done.stderr[-2000:]
	assert "open orders in" in done.stdout and "changed" in done.stdout


def test_the_commands_are_listed_with_their_help():
	done = bench_command("--help")
	assert done.returncode == 0, done.stderr[-2000:]
	assert "order-mgmt-demo" in done.stdout and "order-mgmt-recompute" in done.stdout
