"""The test site served over real HTTP for REST tests: gunicorn on loopback (as benchmarks/bench.py does),
users with API keys and only the roles a scenario gives them, and a tiny HTTP client.

Everything the server must see is committed by the caller; `ApiUsers.remove()` deletes the users again."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import frappe
import requests


def free_port() -> int:
	with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class Server:
	"""`frappe.app:application` on gunicorn (2 workers at most) on a free loopback port, for one site."""

	def __init__(self, bench: str, site: str, workers: int = 2, statics: bool = False):
		"""`statics`: also serve /assets and /files, as `bench serve` does (for a browser)."""
		self.bench, self.site = bench, site
		self.app = "frappe.app:application_with_statics()" if statics else "frappe.app:application"
		self.workers = max(1, min(workers, 2))
		self.port = free_port()
		self.base = f"http://127.0.0.1:{self.port}"
		self.log = tempfile.NamedTemporaryFile(prefix="om-rest-gunicorn-", suffix=".log", delete=False)
		self.process = None

	def start(self, timeout: float = 90) -> "Server":
		self.process = subprocess.Popen(
			[
				os.path.join(self.bench, "env", "bin", "gunicorn"),
				"-b",
				f"127.0.0.1:{self.port}",
				"-w",
				str(self.workers),
				"--threads",
				"1",
				"-t",
				"180",
				"--preload",
				self.app,
			],
			cwd=os.path.join(self.bench, "sites"),
			stdout=self.log,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if self.process.poll() is not None:
				raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.tail()}")
			try:
				r = requests.get(f"{self.base}/api/method/ping", headers={"Host": self.site}, timeout=10)
				if r.status_code == 200:
					return self
			except requests.RequestException:
				pass
			time.sleep(0.3)
		self.stop()
		raise RuntimeError(f"the site {self.site} did not answer on {self.base}: {self.tail()}")

	def tail(self, chars: int = 3000) -> str:
		try:
			with open(self.log.name) as f:
				return f.read()[-chars:]
		except OSError:
			return ""

	def stop(self):
		if self.process and self.process.poll() is None:
			self.process.terminate()
			try:
				self.process.wait(timeout=30)
			except subprocess.TimeoutExpired:
				self.process.kill()
				self.process.wait(timeout=10)
		if self.process:
			# what the workers started and left behind (Frappe v16's Chrome PDF generator keeps a browser
			# per worker that outlives it): the server's own session, started for it
			with contextlib.suppress(OSError):
				os.killpg(self.process.pid, signal.SIGTERM)
		self.process = None
		with contextlib.suppress(OSError):
			os.unlink(self.log.name)


class Response:
	def __init__(self, r: requests.Response):
		self.status = r.status_code
		self.text = r.text
		try:
			self.json = r.json()
		except ValueError:
			self.json = None

	@property
	def ok(self) -> bool:
		return 200 <= self.status < 300

	@property
	def data(self):
		if not isinstance(self.json, dict):
			return None
		return self.json.get("data", self.json.get("message"))

	@property
	def error(self) -> str:
		"""What the server said about a failure: exception and messages (for assertions and reports)."""
		if not isinstance(self.json, dict):
			return self.text[:500]
		parts = [str(self.json.get("exc_type") or ""), str(self.json.get("exception") or "")]
		with contextlib.suppress(ValueError, TypeError):
			for m in json.loads(self.json.get("_server_messages") or "[]"):
				with contextlib.suppress(ValueError, TypeError):
					m = json.loads(m).get("message", m)
				parts.append(str(m))
		return " | ".join(p for p in parts if p)[:800]

	def __repr__(self):
		return f"<HTTP {self.status} {self.error if not self.ok else self.text[:300]}>"


class Client:
	"""Requests as one user (token auth), with the site's name as Host header."""

	def __init__(self, server: Server, user: str, key: str | None = None, secret: str | None = None):
		self.server, self.user = server, user
		self.session = requests.Session()
		self.session.headers.update({"Host": server.site, "Accept": "application/json"})
		if key:
			self.session.headers["Authorization"] = f"token {key}:{secret}"

	def request(self, method: str, path: str, data=None, params=None, form: bool = False) -> Response:
		url = self.server.base + urllib.parse.quote(path, safe="/?=&%:@")
		kw = {"params": params, "timeout": 180}
		if data is not None:
			if form:
				kw["data"] = {
					k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in data.items()
				}
			else:
				kw["json"] = data
		return Response(self.session.request(method, url, **kw))

	def get(self, path, params=None):
		return self.request("GET", path, params=params)

	def post(self, path, data=None, form=False):
		return self.request("POST", path, data=data, form=form)

	def put(self, path, data=None):
		return self.request("PUT", path, data=data)

	def delete(self, path):
		return self.request("DELETE", path)

	def call(self, path: str, /, **kwargs) -> Response:
		"""POST /api/method/<path> with form-encoded arguments, as the desk sends them."""
		return self.post(f"/api/method/{path}", data=kwargs, form=True)


class ApiUsers:
	"""System Users with API keys and exactly the roles given; `remove()` deletes them and what Frappe made
	for them (contacts, notification settings)."""

	def __init__(self):
		self.keys: dict[str, tuple[str, str]] = {}

	def make(self, email: str, roles: list[str], first_name: str | None = None) -> str:
		from frappe.core.doctype.user.user import generate_keys

		if frappe.db.exists("User", email):
			self._delete(email)
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name or email.split("@")[0],
				"user_type": "System User",
				"send_welcome_email": 0,
				"user_image": "/assets/frappe/images/default-avatar.png",
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
		# exactly these roles (a new user may get default roles from settings)
		user.set("roles", [{"role": r} for r in roles])
		user.save(ignore_permissions=True)
		# a user without desk roles would become a Website User: the scenarios want System Users
		frappe.db.set_value("User", email, "user_type", "System User", update_modified=False)
		secret = generate_keys(email)["api_secret"]
		key = frappe.db.get_value("User", email, "api_key")
		self.keys[email] = (key, secret)
		return email

	def client(self, server: Server, email: str) -> Client:
		key, secret = self.keys[email]
		return Client(server, email, key, secret)

	def _delete(self, email: str):
		for name in frappe.get_all("Contact", filters={"email_id": email}, pluck="name"):
			frappe.delete_doc("Contact", name, force=True, ignore_permissions=True, delete_permanently=True)
		for doctype in ("ToDo", "DocShare", "Version", "Activity Log", "Access Log", "Route History"):
			field = {"ToDo": "allocated_to", "DocShare": "user"}.get(doctype, "owner")
			frappe.db.delete(doctype, {field: email})
		frappe.db.delete("Has Role", {"parent": email, "parenttype": "User"})
		frappe.db.delete("DefaultValue", {"parent": email})  # User.on_update stores the user's time zone
		frappe.delete_doc("User", email, force=True, ignore_permissions=True, delete_permanently=True)

	def remove(self):
		for email in reversed(list(self.keys)):
			if frappe.db.exists("User", email):
				self._delete(email)
		self.keys.clear()
