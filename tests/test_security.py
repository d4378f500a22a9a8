"""Security headers on every response, and templates a strict CSP can serve."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_user
from tests.factories import login
from webapp.extensions import db
from webapp.models import Role

TEMPLATES = Path(__file__).resolve().parent.parent / "webapp" / "templates"
HTTPS = "https://localhost"  # HSTS is sent over https only


def test_every_page_sends_the_security_headers(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    http = app.test_client()
    for url in ("/login", "/healthz", "/manifest.webmanifest"):
        assert_headers(http.get(url, base_url=HTTPS))
        assert "Strict-Transport-Security" not in http.get(url).headers  # plain http
    login(http, admin)
    for url in ("/admin/", "/admin/clients/new", "/nowhere"):
        response = http.get(url, base_url=HTTPS)
        assert_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert "Cookie" in response.headers["Vary"]


def assert_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        int(re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"])[1])
        >= 31536000
    )
    assert response.headers["Referrer-Policy"]


def test_templates_have_no_inline_script_style_or_eval() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline <script> in {path.name}"
        assert "<style" not in text, f"<style> in {path.name}"
        assert not re.search(r"\sstyle=", text), f"style= attribute in {path.name}"
        assert "hx-on" not in text and "javascript:" not in text, (
            f"eval-needing htmx in {path.name}"
        )
        assert not re.search(r"""(href|src|action|hx-\w+)=["']/""", text), (
            f"hard-coded URL in {path.name}: build it with url_for"
        )


def test_base_template_has_viewport_theme_manifest_and_vendored_htmx(app: Flask) -> None:
    body = app.test_client().get("/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width' in body
    assert '<meta name="theme-color"' in body
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert re.search(
        r'<script src="/static/vendor/htmx-2\.0\.\d+\.min\.js\?v=[0-9a-f]{10}" defer>', body
    )
    vendored = list((TEMPLATES.parent / "static" / "vendor").glob("htmx-2.0.*.min.js"))
    assert len(vendored) == 1
    assert f'version:"{vendored[0].name[5:-7]}"' in vendored[0].read_text().replace(" ", "")


def test_manifest_describes_an_installable_app(app: Flask) -> None:
    manifest = app.test_client().get("/manifest.webmanifest").json
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        response = app.test_client().get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"
        response.close()
