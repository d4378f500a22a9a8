"""Response headers and the guard that refuses unclassified endpoints."""

from __future__ import annotations

from flask import Flask
from flask import abort
from flask import current_app
from flask import request
from werkzeug.wrappers import Response

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

# Responses that carry nothing personal and may be cached by the browser.
CACHEABLE_ENDPOINTS = frozenset(
    {"static", "pwa.manifest", "pwa.service_worker", "library.illustration"}
)


def register_security(app: Flask) -> None:
    """Install the access guard and the security headers on every response."""
    app.before_request(refuse_unclassified)
    app.after_request(add_security_headers)


def refuse_unclassified() -> None:
    """Fail closed: an endpoint nobody classified in the access policy is not served."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions[request.endpoint]
    if not getattr(view, "access", None):
        current_app.logger.error("endpoint %s has no access classification", request.endpoint)
        abort(403)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
        response.vary.add("HX-Request")
    return response
