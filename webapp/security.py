"""Response headers, the guard that refuses unclassified endpoints, and strict input checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from .logs import redact_request_lines

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"

# Responses that carry nothing personal and may be cached by the browser.
CACHEABLE_ENDPOINTS = frozenset(
    {"static", "pwa.manifest", "pwa.service_worker", "library.illustration"}
)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The largest id a URL may name: every primary key is a 32-bit integer on PostgreSQL.
MAX_ID = 2**31 - 1


class RecordId(IntegerConverter):
    """The ``int`` URL converter, bounded so a huge id is a 404, not a database overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class ShortId(BaseConverter):
    """A text id in a URL (an exercise's "N2"): letters, digits, dashes; anything else is a 404."""

    regex = r"[A-Za-z0-9_-]{1,64}"


def record_id(text: str) -> int:
    """Parse an id from a query string or form; ``ValueError`` for anything out of range."""
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(f"not a record id: {text!r}")
    return value


def install_converters(app: Flask) -> None:
    """Bound ``<int:...>`` and add ``<id:...>``; call before any blueprint is registered."""
    app.url_map.converters["int"] = RecordId
    app.url_map.converters["id"] = ShortId


def register_security(app: Flask) -> None:
    """Install the access guard, the security headers and the request-log redaction."""
    app.before_request(refuse_unclassified)
    app.before_request(refuse_misplaced_json)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    redact_request_lines()


def refuse_unclassified() -> None:
    """Fail closed: an endpoint nobody classified in the access policy is not served."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions[request.endpoint]
    if not getattr(view, "access", None):
        current_app.logger.error("endpoint %s has no access classification", request.endpoint)
        abort(403)


def add_security_headers(response: Response) -> Response:
    """Send the strict headers on every response: pages, fragments, files, redirects, errors."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:  # over plain http the header is ignored, and would pin a dev host
        headers.setdefault("Strict-Transport-Security", HSTS)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
        response.vary.add("HX-Request")
    return response


def refuse_nul_characters() -> None:
    """PostgreSQL cannot store a NUL character and no person types one: refuse it (400)."""
    texts = [value for _key, value in request.args.items(multi=True)]
    if request.method in BODY_METHODS:
        texts += [value for _key, value in request.form.items(multi=True)]
    found = any("\x00" in text for text in texts)
    if request.method in BODY_METHODS and request.is_json:
        found = found or b"\\u0000" in request.get_data(cache=True)
    if found:
        abort(400)


def json_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a body that isn't JSON (415) or doesn't parse (400) before the view sees it."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not request.is_json and request.content_length:
            return jsonify(error="Send JSON, with Content-Type: application/json."), 415
        if not request.is_json or not request.get_data(cache=True):
            return jsonify(error="Send a JSON body."), 400
        try:
            request.get_json()
        except (BadRequest, RecursionError):  # the parser recurses on deeply nested arrays
            return jsonify(error="That body isn't valid JSON."), 400
        return view(*args, **kwargs)

    wrapper.reads_json = True  # type: ignore[attr-defined]
    return wrapper


def refuse_misplaced_json() -> tuple[Response, int] | None:
    """Pages read forms: a JSON body sent to one would reach the form as an unchecked shape."""
    if not request.is_json or request.method not in BODY_METHODS:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "reads_json", False):
        return None
    return jsonify(error="This address reads a form, not JSON."), 415
