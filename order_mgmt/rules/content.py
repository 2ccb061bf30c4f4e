"""What the app accepts as content it will render as a link (R14). Pure Python, no Frappe."""

from urllib.parse import urlsplit

#: the site's own file URLs
SITE_FILE_PREFIXES = ("/files/", "/private/files/")


def is_safe_file_url(url: str | None) -> bool:
	"""A file link the app may render: one of the site's files, or an http(s) address. Nothing that a
	browser would run (javascript:, data:, vbscript:) and no other scheme or protocol-relative URL."""
	if not url or not isinstance(url, str):
		return False
	url = url.strip()
	if any(ch in url for ch in '\x00\r\n\t<>"`'):
		return False
	if url.startswith(SITE_FILE_PREFIXES):
		return ".." not in url
	parts = urlsplit(url)
	return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
