"""Strict headers on every response, and served files that a strict CSP can serve as they are.

SECURITY.md F3/F4 and §5 rows 12–14: every route, requested as each kind of user, with and
without htmx, answers with a CSP free of 'unsafe-inline' and 'unsafe-eval', nosniff, a
Referrer-Policy, no framing, and HSTS when served over https; error pages, static files and
redirects too. No template or served file names a third-party origin or carries inline code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.security.walk import signed_in
from tests.test_policy import build_world
from tests.test_policy import routes
from tests.test_policy import url_for_rule
from webapp import policy
from webapp.security import CACHEABLE_ENDPOINTS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"
STATIC = ROOT / "webapp" / "static"
ILLUSTRATIONS = ROOT / "exercises" / "illustrations"  # served by library.illustration
HTTPS = "https://localhost"

# One actor of each kind; the route matrix (tests/test_policy.py) tries all ten.
ACTORS = ["anon", "client_self", "physio_team", "admin_same"]

# Strings that look like URLs but fetch nothing: XML namespaces and the calendar link filter.
NOT_FETCHED = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://",  # sessions/index.html turns the feed link into webcal://
    "https://",
}
URL = re.compile(
    r"""https?://[^\s"'<>)`]*"""  # absolute
    r"""|(?<=["'(=])//[A-Za-z0-9-]+\.[A-Za-z0-9.-]+[^\s"'<>)`]*"""  # protocol-relative
)
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
TEXT_SUFFIXES = {".html", ".js", ".css", ".svg", ".json", ".webmanifest", ".txt", ".xml"}


def assert_strict(response: TestResponse, *, https: bool, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{where}: {csp}"
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp, f"{where}: CSP lacks {directive}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    hsts = headers.get("Strict-Transport-Security")
    if https:
        assert hsts and int(re.search(r"max-age=(\d+)", hsts)[1]) >= 31536000, where
        assert "includeSubDomains" in hsts, where
    else:
        assert hsts is None, f"{where}: HSTS over plain http"


@pytest.mark.parametrize("actor", ACTORS)
def test_every_route_sends_the_strict_headers(app: Flask, actor: str) -> None:
    world = build_world()
    tried = 0
    for endpoint, method, rule in routes(app):
        url = url_for_rule(app, rule, world)
        for htmx in (False, True):
            http = signed_in(app, actor, world)  # fresh: a sign-out must not leak into the next
            headers = {"HX-Request": "true"} if htmx else {}
            response = http.open(url, method=method, base_url=HTTPS, headers=headers)
            response.close()
            where = f"{actor} {method} {url}{' (htmx)' if htmx else ''} -> {response.status_code}"
            assert_strict(response, https=True, where=where)
            if actor != "anon" and endpoint not in CACHEABLE_ENDPOINTS:
                assert response.headers["Cache-Control"] == "no-store", where
                assert {"Cookie", "HX-Request"} <= set(response.vary), where
            tried += 1
    assert tried >= 2 * 90
    print(f"headers: {tried} responses as {actor}, all strict")


def test_errors_static_files_and_redirects_carry_the_headers(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    @policy.public
    def boom() -> str:
        raise RuntimeError("an unexpected failure")

    http = app.test_client()
    answers = {
        "404": http.get("/nowhere", base_url=HTTPS),
        "405": http.get("/logout", base_url=HTTPS),
        "413": http.post("/login", data={"email": "x" * (2 * 1024 * 1024)}, base_url=HTTPS),
        "500": http.get("/boom", base_url=HTTPS),
        "static file": http.get("/static/css/app.css", base_url=HTTPS),
        "redirect": http.get("/", base_url=HTTPS),
        "CSRF refusal": make_app(WTF_CSRF_ENABLED=True).test_client().post("/login"),
    }
    expected = {"404": 404, "405": 405, "413": 413, "500": 500, "static file": 200}
    expected |= {"redirect": 302, "CSRF refusal": 400}
    for name, response in answers.items():
        response.close()
        assert response.status_code == expected[name], name
        assert_strict(response, https=name != "CSRF refusal", where=name)
    assert b"an unexpected failure" not in answers["500"].data
    assert answers["static file"].headers.get("Cache-Control") != "no-store"


def test_hsts_only_over_https(make_app) -> None:  # type: ignore[no-untyped-def]
    direct = make_app().test_client()
    assert "Strict-Transport-Security" not in direct.get("/login").headers
    assert "Strict-Transport-Security" in direct.get("/login", base_url=HTTPS).headers
    # Without a trusted proxy anyone can send X-Forwarded-Proto, so it is not believed.
    spoofed = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers

    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    behind_tls = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in behind_tls.headers
    plain = proxied.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def served_text_files() -> list[Path]:
    files = [*TEMPLATES.rglob("*"), *STATIC.rglob("*"), *ILLUSTRATIONS.rglob("*")]
    found = [p for p in files if p.is_file() and p.suffix in TEXT_SUFFIXES]
    binary = [p for p in files if p.is_file() and p.suffix not in TEXT_SUFFIXES]
    assert all(p.suffix in {".png", ".ico", ".woff2"} for p in binary), binary
    return sorted(found)


def problems_in(text: str, markup: bool) -> list[str]:
    """What a strict CSP or the no-third-party rule would object to in one file's text."""
    found = [f"third-party origin {url}" for url in URL.findall(text) if url not in NOT_FETCHED]
    if not markup:
        return found
    if INLINE_SCRIPT.search(text):
        found.append("inline <script> without src")
    if re.search(r"<style\b", text, re.IGNORECASE):
        found.append("<style> element")
    for tag in TAG.findall(text):
        if re.search(r"\sstyle\s*=", tag, re.IGNORECASE):
            found.append(f"style= attribute in {tag[:60]}")
        if HANDLER.search(tag):
            found.append(f"on*= event handler in {tag[:60]}")
        if re.search(r"\s(?:data-)?hx-on", tag):
            found.append(f"hx-on attribute (needs eval) in {tag[:60]}")
        if re.search(r"""=\s*["']\s*(?:javascript|js):""", tag, re.IGNORECASE):
            found.append(f"javascript: value in {tag[:60]}")
    return found


def test_no_third_party_origin_or_inline_code_in_served_files() -> None:
    files = served_text_files()
    assert len(files) > 100
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for problem in problems_in(text, markup=path.suffix in {".html", ".svg"}):
            problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "planted",
    [
        '<script src="https://cdn.example.com/htmx.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.com/a.css">',
        "<script>alert(1)</script>",
        "<style>p { color: red }</style>",
        '<div class="x" style="color:red">',
        '<button onclick="go()">',
        '<button hx-on:click="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_file_scan_catches_a_planted_problem(planted: str) -> None:
    assert problems_in(f"<p>before</p>\n{planted}\n<p>after</p>", markup=True), planted


def test_htmx_is_configured_for_the_csp(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    config = re.search(r"""<meta name="htmx-config" content='([^']+)'>""", page)[1]
    for setting in (
        '"allowEval": false',
        '"includeIndicatorStyles": false',
        '"historyCacheSize": 0',
        '"selfRequestsOnly": true',
    ):
        assert setting in config
