# Sourced by tests/run and benchmarks/run: starts MariaDB and Redis when they are down, points the bench's
# order_mgmt at this checkout (tests/prepare-bench.sh), makes the site $site (ERPNext with its test setup) when it is missing, and
# installs order_mgmt there or migrates it when the app changed.
# Expects: app_dir, bench, site, py, db_root_password, and the functions say and fail.

# 2.–3. Services, and this checkout in the bench.
. "$app_dir/tests/prepare-bench.sh"

frappe_cli() { (cd "$bench/sites" && "$py" -m frappe.utils.bench_helper frappe "$@"); }

# 4. The test site: ERPNext with its test setup, and this app installed or migrated.
ready="$bench/sites/$site/order_mgmt.test-site-ready"
if [ ! -f "$ready" ]; then
	# a site that was never completed (an interrupted run) is made again from scratch
	say "creating test site $site with ERPNext (about a minute)"
	frappe_cli new-site "$site" --force --db-root-password "$db_root_password" --admin-password admin \
		--install-app erpnext >/dev/null
	say "ERPNext test setup (company, fiscal year, warehouses)"
	frappe_cli --site "$site" execute erpnext.setup.utils.before_tests >/dev/null
	rm -f "$bench/sites/$site/order_mgmt.fingerprint"
	touch "$ready"
fi
fingerprint=$(cd "$app_dir" && find order_mgmt -type f \( -name '*.json' -o -name '*.py' -o -name '*.txt' -o -name '*.html' -o -name '*.js' \) \
	-not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
stamp="$bench/sites/$site/order_mgmt.fingerprint"
if ! frappe_cli --site "$site" list-apps 2>/dev/null | grep -q '^order_mgmt'; then
	say "installing order_mgmt on $site"
	frappe_cli --site "$site" install-app order_mgmt --force  # --force: over a half-done earlier attempt
	echo "$fingerprint" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
	say "migrating $site (the app changed)"
	frappe_cli --site "$site" migrate >/dev/null
	echo "$fingerprint" > "$stamp"
fi
