# Sourced by tests/run and scripts/demo: makes sure a Frappe v15 bench with ERPNext is at $bench, building
# one when it is missing — with ../shared/platform/bench-up where that exists (offline machines), else the
# standard online way (`bench init --frappe-branch version-15`, `bench get-app erpnext --branch version-15`).
# Sets py. Expects: app_dir, bench, and the functions say and fail.

bench_complete() {
	[ -x "$bench/env/bin/python" ] && [ -d "$bench/apps/frappe" ] && [ -d "$bench/apps/erpnext" ] \
		&& [ -d "$bench/sites/assets/frappe/dist" ]
}

platform_bench_up="$app_dir/../shared/platform/bench-up"
if [ -x "$platform_bench_up" ]; then
	# offline machines: builds what is missing (about 4 minutes) or only starts MariaDB and Redis (seconds)
	bench_complete || say "building the bench at $bench with $platform_bench_up (about 4 minutes)"
	ORDER_MGMT_BENCH="$bench" "$platform_bench_up" >/dev/null
elif ! bench_complete; then
	say "building the bench at $bench: bench init --frappe-branch version-15 (about 10 minutes, online)"
	command -v bench >/dev/null || { say "installing the bench CLI (frappe-bench, PyPI)"; pip install --user -q frappe-bench; export PATH="$HOME/.local/bin:$PATH"; }
	[ -d "$bench/apps/frappe" ] || bench init --frappe-branch version-15 --skip-redis-config-generation "$bench"
	[ -d "$bench/apps/erpnext" ] || (cd "$bench" && bench get-app erpnext --branch version-15)
fi
bench_complete || fail "no Frappe v15 bench with ERPNext at $bench, and it could not be built (see above)."
py="$bench/env/bin/python"
"$py" -c 'import frappe, erpnext' 2>/dev/null || fail "frappe and erpnext do not import in $bench/env: the bench is incomplete."
