"""Credentials out of what is shown, logged or written: one masking function for URLs.

A base URL may carry a secret — ``https://user:password@host/v1``, ``https://token@host``,
``...?api_key=...`` — and base URLs are shown in many places: the UI's settings and engine
line, notices and error messages, logs, the feedback log, eval reports,
``Assistant.describe()`` and the API's ``/healthz``. :func:`mask_url` masks one URL;
:func:`mask_secrets` masks every URL inside a text (an error message, a log line).
The connection itself still uses the real URL: mask only what leaves the process.

    >>> mask_url("https://user:pass@host/v1?api_key=abc&x=1")
    'https://user:***@host/v1?api_key=***&x=1'
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

__all__ = ["MASK", "mask_secrets", "mask_url", "mask_values"]

MASK = "***"
# query parameters whose value is a secret (compared lower-case, "-" read as "_")
SECRET_PARAMS = frozenset({
    "api_key", "apikey", "key", "token", "access_token", "auth", "auth_token", "password",
    "pass", "pwd", "secret", "client_secret", "sig", "signature", "session", "code",
    "x_api_key", "private_token",
})
_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>`]+")


def _secret_param(name: str) -> bool:
    key = name.lower().replace("-", "_")
    return key in SECRET_PARAMS or key.endswith(("_key", "_token", "_secret", "_password"))


def mask_url(url: str) -> str:
    """``url`` with its password (or lone user token) and secret query values as ``***``.

    Text that is not a URL with a scheme and host comes back unchanged."""
    if not url or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        # "user:pass@" keeps the user; a bare "token@" is all secret
        netloc = f"{user}:{MASK}@{host}" if sep else f"{MASK}@{host}"
    query = "&".join(
        f"{name}={MASK}" if sep and _secret_param(unquote_plus(name)) else f"{name}{sep}{value}"
        for name, sep, value in (item.partition("=") for item in parts.query.split("&"))
    ) if parts.query else ""
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_secrets(text: str) -> str:
    """``text`` with every URL in it masked (see :func:`mask_url`)."""
    if not text or "://" not in text:
        return text
    return _URL_RE.sub(lambda m: mask_url(m.group(0)), text)


def mask_values(value: Any) -> Any:
    """A copy of ``value`` (dicts, lists, strings) with every URL in its strings masked."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: mask_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_values(v) for v in value)
    return value
