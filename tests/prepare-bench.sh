# Sourced by tests/prepare-site.sh and scripts/demo: starts MariaDB and Redis when they are down, and points
# the bench's order_mgmt at this checkout.
# Expects: app_dir, bench, py, db_root_password, and the functions say and fail.

# 2. Services the site needs.
conf() { "$py" -c "import json,sys; print(json.load(open('$bench/sites/common_site_config.json')).get('$1') or '$2')"; }
db_host=$(conf db_host 127.0.0.1)
db_port=$(conf db_port 3306)
if ! mysqladmin -uroot -p"$db_root_password" -h"$db_host" -P"$db_port" ping >/dev/null 2>&1; then
	say "starting MariaDB"
	if command -v service >/dev/null && service mariadb start >/dev/null 2>&1; then :; else
		mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
		setsid mariadbd --user=mysql >/tmp/order_mgmt_mariadb.log 2>&1 </dev/null &
	fi
	for _ in $(seq 60); do mysqladmin -uroot -p"$db_root_password" -h"$db_host" -P"$db_port" ping >/dev/null 2>&1 && break; sleep 1; done
	mysqladmin -uroot -p"$db_root_password" -h"$db_host" -P"$db_port" ping >/dev/null 2>&1 \
		|| fail "MariaDB does not answer at $db_host:$db_port with the root password given (ORDER_MGMT_DB_ROOT_PASSWORD)."
fi
for key in redis_cache redis_queue; do
	url=$(conf "$key" "")
	[ -n "$url" ] || continue
	port=${url##*:}
	if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
		say "starting Redis on $port"
		name=${key#redis_}
		if [ -f "$bench/config/redis_$name.conf" ]; then
			# the port of the site config wins over the file's (a bench moved to other ports keeps its files)
			redis-server "$bench/config/redis_$name.conf" --port "$port" --daemonize yes >/dev/null
		else
			redis-server --port "$port" --save "" --appendonly no --daemonize yes >/dev/null
		fi
	fi
done

# 3. The bench's order_mgmt is this checkout.
target="$bench/apps/order_mgmt"
if [ -L "$target" ] || [ ! -e "$target" ]; then
	[ "$(readlink -f "$target" 2>/dev/null)" = "$app_dir" ] || ln -sfn "$app_dir" "$target"
elif [ "$(readlink -f "$target")" != "$app_dir" ]; then
	fail "$target is another copy of order_mgmt; run this checkout's tests from $target, or remove it."
fi
installed=$(cd / && "$py" -c 'import os, order_mgmt; print(os.path.dirname(os.path.dirname(os.path.realpath(order_mgmt.__file__))))' 2>/dev/null) || true
if [ "$installed" != "$app_dir" ]; then
	say "installing order_mgmt from $app_dir into the bench's Python"
	"$bench/env/bin/pip" install -q --no-deps -e "$target" 2> >(grep -v '^WARNING: Location' >&2)
fi
grep -qx order_mgmt "$bench/sites/apps.txt" || printf '\norder_mgmt\n' >> "$bench/sites/apps.txt"
sed -i '/^$/d' "$bench/sites/apps.txt"

