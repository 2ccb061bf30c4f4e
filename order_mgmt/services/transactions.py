"""One action, one transaction (R14): how the app's whitelisted actions meet the request's transaction.

- Called as the request itself (`POST /api/method/<action>`), an action is all the transaction holds: a
  failure rolls the request back; it may start its reads on a fresh snapshot (`stock_guard.fresh_snapshot`)
  and is run again when the database refuses a stale locking read or ends it as a deadlock victim.
- Called by other code (a server script, another action, a test), it never commits nor rolls back its
  caller's work: it runs inside a savepoint, and a failure undoes only what the action wrote.
- Either way, what ERPNext's events marked during the action is done once at its end
  (`figures.intake.flush`): the action answers with fresh figures, and its checks fail inside it.
"""

import functools
import traceback

import frappe
from frappe import _

#: ER_CHECKREAD (a locking read of a row changed after the snapshot, innodb_snapshot_isolation on) and
#: ER_LOCK_DEADLOCK: the action is run again when it is the request itself
RETRYABLE_DB_ERRORS = (1020, 1213)
ATTEMPTS = 3


def is_the_request(path: str) -> bool:
	"""Is the action `path` the request itself (also through a former path the hooks map to it), with
	nothing written before it?"""
	if not getattr(frappe.local, "request", None) or frappe.db.transaction_writes:
		return False
	cmd = frappe.form_dict.get("cmd")
	if cmd != path:
		cmd = (frappe.get_hooks("override_whitelisted_methods") or {}).get(cmd, [None])[-1]
	return cmd == path


def may_refresh_snapshot() -> bool:
	"""May the running action roll back to start its reads afresh (nothing of a caller to lose)?"""
	return (
		bool(getattr(frappe.local, "order_mgmt_request_action", False)) and not frappe.db.transaction_writes
	)


def one_action(fn):
	"""Decorator of a whitelisted action that writes."""
	path = f"{fn.__module__}.{fn.__name__}"

	@functools.wraps(fn)
	def run(*args, **kwargs):
		# is the running action the request's own (`may_refresh_snapshot`)? An action it calls is not
		outer = getattr(frappe.local, "order_mgmt_request_action", None)
		top = outer is None and is_the_request(path)
		frappe.local.order_mgmt_request_action = top
		try:
			return _retried(fn, args, kwargs) if top else _in_savepoint(fn, args, kwargs)
		finally:
			frappe.local.order_mgmt_request_action = outer

	return run


def _done_once(fn, args, kwargs):
	"""The action, and then what its documents' events marked (`figures.intake`)."""
	from order_mgmt.figures import intake

	intake.action_started()
	done = False
	try:
		result = fn(*args, **kwargs)
		done = True
	finally:
		intake.action_ended(done)
	return result


def reads_committed() -> bool:
	"""Does the running action's transaction read, at each statement, what is committed (READ COMMITTED)?
	Then ERPNext's plain reads after the app's locks are current, and the Bins need not be locked before
	the action's other work."""
	return bool(getattr(frappe.local, "order_mgmt_read_committed", False))


def _retried(fn, args, kwargs):
	# the action is the request and nothing was written before it (is_the_request): its transaction starts
	# again reading at each statement what is committed (READ COMMITTED). ERPNext's plain reads after the
	# app's locks are then current whenever the locks are taken, and the app's locking reads take no gap
	# locks (under REPEATABLE READ, the locking read of the reservation entries' sum locked the gaps of their
	# indexes, which other users' new entries then met in deadlocks). The connection's next transactions read
	# as before.
	committed = _may_read_committed()
	try:
		if committed:
			frappe.db.sql("set session transaction isolation level read committed")
			frappe.local.order_mgmt_read_committed = True
			frappe.db.rollback()
		for attempt in range(ATTEMPTS):
			try:
				return _done_once(fn, args, kwargs)
			except Exception as e:
				if not _retryable(e):
					raise
				frappe.db.rollback()
				# what the undone attempt said is undone with it
				frappe.local.message_log = []
				if attempt == ATTEMPTS - 1:
					frappe.throw(
						_("Other users are changing the same records right now: please try again."),
						title=_("Try Again"),
					)
	finally:
		if committed:
			frappe.local.order_mgmt_read_committed = False
			try:
				frappe.db.sql("set session transaction isolation level repeatable read")
			except Exception:  # a lost connection: the action's own error is the one to tell
				pass


#: Frappe's own methods that write (insert, save, submit, cancel) the document they are given, as the
#: request, besides `/api/resource`: where each names the document's doctype
DOCUMENT_METHODS = {
	"frappe.client.insert": "doc",
	"frappe.client.save": "doc",
	"frappe.client.submit": "doc",
	"frappe.client.cancel": "doctype",
	"frappe.desk.form.save.savedocs": "doc",
	"frappe.desk.form.save.cancel": "doctype",
	"run_doc_method": "dt",
}


def read_committed_for(doc) -> bool:
	"""A document submitted or cancelled by Frappe's own route for it (`POST /api/resource/<doctype>` with
	`docstatus: 1`, a PUT of its docstatus, `frappe.client.insert/save/submit/cancel`, the desk's
	`savedocs`, `run_doc_method`), that route being the request and nothing written yet: its transaction
	starts again reading at each statement what is committed, as an action's does (`_retried`). What the
	rollback leaves is taken again: the document's row lock and Frappe's comparison of its timestamp (and
	the fields of higher permission levels kept from the stored document), and the callbacks queued for the
	commit. Returns whether the transaction reads what is committed. Called by other code (which may hold
	locks and snapshots of its own), nothing changes."""
	if reads_committed():
		return True
	if getattr(frappe.local, "order_mgmt_request_action", None) is not None:
		return False  # inside an action of the app, which decided for its transaction
	if (
		frappe.db.transaction_writes
		or getattr(frappe.db, "_disable_transaction_control", 0)
		or not _is_frappes_route_for(doc.doctype)
		or not _may_read_committed()
	):
		return False
	before = None if doc.is_new() else doc.get_doc_before_save()
	queued = [(m, list(m._functions)) for m in (frappe.db.before_commit, frappe.db.after_commit)]
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.rollback()
	for manager, functions in queued:
		for fn in functions:
			manager.add(fn)
	frappe.local.order_mgmt_read_committed = True
	# the connection's next transaction reads as before, whether this one is committed or rolled back (set
	# before the end: Frappe begins the next transaction before its after-commit callbacks)
	frappe.db.before_commit.add(_repeatable_read_next)
	frappe.db.before_rollback.add(_repeatable_read_next)
	if before is not None:
		doc.load_doc_before_save(raise_exception=True)  # the row locked again, read as committed
		now = doc.get_doc_before_save()
		if str(now.modified) != str(before.modified) or now.docstatus != before.docstatus:
			frappe.throw(
				_("Error: Document has been modified after you have opened it")
				+ ". "
				+ _("Please refresh to get the latest document."),
				exc=frappe.TimestampMismatchError,
			)
		doc.validate_higher_perm_levels()
	return True


def _repeatable_read_next():
	frappe.local.order_mgmt_read_committed = False
	try:
		frappe.db.sql("set session transaction isolation level repeatable read")
	except Exception:  # a lost connection: the request's own error is the one to tell
		pass


def _is_frappes_route_for(doctype: str) -> bool:
	"""Is the request Frappe's own route that writes a document of `doctype`?"""
	from urllib.parse import unquote

	request = getattr(frappe.local, "request", None)
	if not request or request.method not in ("POST", "PUT", "PATCH"):
		return False
	parts = [unquote(p) for p in request.path.strip("/").split("/")]
	if parts[:2] == ["api", "resource"]:
		rest = parts[2:]
	elif parts[:3] in (["api", "v1", "resource"], ["api", "v2", "document"]):
		rest = parts[3:]
	else:
		# /api/method/<cmd> (Frappe's v1 sets form_dict.cmd), /api/v2/method/<cmd>
		cmd = (
			parts[3]
			if parts[:3] == ["api", "v2", "method"] and len(parts) > 3
			else frappe.form_dict.get("cmd")
		)
		return _method_doctype(cmd) == doctype
	return bool(rest) and rest[0] == doctype


def _method_doctype(cmd) -> str | None:
	"""The doctype of the document a Frappe method of DOCUMENT_METHODS is asked to write, or None."""
	key = DOCUMENT_METHODS.get(cmd)
	if not key:
		return None
	value = frappe.form_dict.get(key)
	if key == "dt" and not value:  # run_doc_method on a document sent whole (v2: `document`)
		value = frappe.form_dict.get("docs") or frappe.form_dict.get("document")
	if isinstance(value, str) and value[:1] in ("{", "["):
		try:
			value = frappe.parse_json(value)
		except ValueError:
			return None
	if isinstance(value, dict):
		value = value.get("doctype")
	return value if isinstance(value, str) else None


def _may_read_committed() -> bool:
	"""MariaDB, unless it logs statements as they are written (binary log in STATEMENT format), which InnoDB
	refuses under READ COMMITTED (ER_BINLOG_STMT_MODE_AND_ROW_ENGINE). Read once per process and site."""
	if frappe.db.db_type != "mariadb":
		return False
	site = getattr(frappe.local, "site", None)
	if site not in _READ_COMMITTED_ALLOWED:
		log_bin, binlog_format = frappe.db.sql("select @@log_bin, @@binlog_format")[0]
		_READ_COMMITTED_ALLOWED[site] = not (int(log_bin or 0) and str(binlog_format).upper() == "STATEMENT")
	return _READ_COMMITTED_ALLOWED[site]


_READ_COMMITTED_ALLOWED: dict = {}


def _retryable(error) -> bool:
	"""A deadlock, a stale locking read, or two users naming the first document of a new naming series at
	once (Frappe's `getseries` inserts the series' row when its locking read finds none: without gap locks
	the second insert meets the first one's key)."""
	code = db_error_code(error)
	if code in RETRYABLE_DB_ERRORS:
		return True
	return code == 1062 and any(
		frame.name == "getseries" for frame in traceback.extract_tb(error.__traceback__)
	)


def _in_savepoint(fn, args, kwargs):
	save_point = f"order_mgmt_{frappe.generate_hash(length=8)}"
	frappe.db.savepoint(save_point)
	try:
		result = _done_once(fn, args, kwargs)
	except Exception:
		try:
			frappe.db.rollback(save_point=save_point)
		except Exception:  # the savepoint is gone only if something committed meanwhile
			pass
		raise
	try:
		frappe.db.release_savepoint(save_point)
	except Exception:
		pass
	return result


def locking_read_afresh(read):
	"""`read()`, a locking read, made once more on a fresh snapshot when the database refuses it as stale
	and the transaction has written nothing (so nothing is lost by starting it again). MariaDB from 11.6
	(`innodb_snapshot_isolation`, on in the v16 platform's MariaDB 11.8) refuses a locking read of a row
	that another transaction changed after this one's snapshot (ER_CHECKREAD); MariaDB 10 waits for the row
	and reads it as committed, and the first attempt is all there is."""
	try:
		return read()
	except Exception as e:
		if db_error_code(e) != RETRYABLE_DB_ERRORS[0] or frappe.db.transaction_writes:
			raise
		frappe.db.rollback()
		return read()


def db_error_code(error, depth: int = 0) -> int | None:
	"""The MariaDB error number behind an exception (Frappe wraps some, e.g. QueryDeadlockError)."""
	if error is None or depth > 3:
		return None
	first = error.args[0] if getattr(error, "args", None) else None
	if isinstance(first, int):
		return first
	if isinstance(first, BaseException):
		return db_error_code(first, depth + 1)
	return db_error_code(error.__cause__, depth + 1)
