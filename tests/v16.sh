# Sourced by tests/run --v16, tests/lifecycle --v16 and scripts/demo --v16: the Frappe v16 + ERPNext v16
# bench of ../shared/platform/v16 (a Debian chroot with Python 3.14, beside the v15 bench; see its README),
# with this checkout mounted in it.
# Expects: app_dir, and the functions say and fail. Sets: v16 (the platform), v16_bench (the bench as seen
# from here), app_in (this checkout inside the chroot), bench_in; defines v16_run, v16_py, v16_frappe,
# v16_fingerprint, v16_install_or_migrate SITE, v16_browser_tools.

v16=${ORDER_MGMT_V16_PLATFORM:-$app_dir/../shared/platform/v16}
[ -x "$v16/bench-up" ] ||
	fail "no v16 platform at $v16 (../shared/platform/v16 of the project, or ORDER_MGMT_V16_PLATFORM): the v16 tests and demo run on its bench"
v16_root=${ORDER_MGMT_V16_ROOT:-/opt/order-mgmt-v16}
bench_in=/home/frappe/frappe-bench
v16_bench=$v16_root$bench_in
app_name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$app_dir/pyproject.toml" | head -n1)
app_in=/src/apps/$app_name
# no __pycache__ of Python 3.14 in the mounted checkout
export PYTHONDONTWRITEBYTECODE=1
export ORDER_MGMT_V16_PASS_ENV="${ORDER_MGMT_V16_PASS_ENV:-} PYTHONDONTWRITEBYTECODE"

v16_run() { "$v16/run" "$@"; }
v16_py() { "$v16/run" --cd "$app_in" "$bench_in/env/bin/python" "$@"; }
v16_frappe() { "$v16/run" --cd "$bench_in/sites" "$bench_in/env/bin/python" -m frappe.utils.bench_helper frappe "$@"; }

v16_fingerprint() {
	(cd "$app_dir" && find order_mgmt -type f \( -name '*.json' -o -name '*.py' -o -name '*.txt' -o -name '*.html' -o -name '*.js' \) \
		-not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}

# v16_install_or_migrate SITE: the app installed on SITE, or migrated when this checkout changed since.
v16_install_or_migrate() {
	local site=$1 fingerprint stamp
	fingerprint=$(v16_fingerprint)
	stamp="$v16_bench/sites/$site/order_mgmt.fingerprint"
	if ! v16_frappe --site "$site" list-apps 2>/dev/null | grep -q "^$app_name"; then
		say "installing $app_name on $site"
		v16_frappe --site "$site" install-app "$app_name" --force >/dev/null
		echo "$fingerprint" >"$stamp"
	elif [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
		say "migrating $site (the app changed)"
		v16_frappe --site "$site" migrate >/dev/null
		echo "$fingerprint" >"$stamp"
	fi
	[ -e "$v16_bench/sites/assets/$app_name" ] || [ -L "$v16_bench/sites/assets/$app_name" ] || { say "building the app's desk assets"; v16_frappe build --app "$app_name" >/dev/null; }
}

# The browser tests' tools and the PDF generator's browser: playwright (PyPI) in the bench's Python,
# Debian's chromium in the chroot, and Frappe v16's Chrome PDF generator pointed at it (chromium_path).
v16_browser_tools() {
	v16_run env/bin/python -c 'import playwright' 2>/dev/null ||
		{ say "installing playwright into the v16 bench"; v16_run uv pip install -q --python env/bin/python playwright >/dev/null; }
	if [ ! -x "$v16_root/usr/bin/chromium" ]; then
		say "installing chromium (Debian) in the v16 chroot"
		v16_run sh -c 'apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }' >/dev/null
	fi
	grep -q '"chromium_path"' "$v16_bench/sites/common_site_config.json" ||
		v16_run bench set-config -g chromium_path /usr/bin/chromium >/dev/null
}
