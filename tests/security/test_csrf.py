"""CSRF is refused on every state-changing route, as every user allowed to use it.

SECURITY.md F2, §4.4 and §5 row 11. The app is built with CSRF on, as in production. For each
POST/PUT/PATCH/DELETE route in ``url_map`` and each actor the access matrix lets through to
it, five requests go without a valid token: a plain form, an htmx request, a forged
``X-CSRFToken``, a real token from another browser's session, and a JSON body. Each must get
400 with the clear "form expired" answer, and no row of any table may change. The sync
endpoint, the one exempt route, must refuse a request without its custom header or from
another origin the same way.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask

from tests.security.walk import allowed_actors
from tests.security.walk import changed_tables
from tests.security.walk import signed_in
from tests.security.walk import snapshot
from tests.security.walk import state_changing_routes
from tests.test_policy import build_world
from tests.test_policy import url_for_rule
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import csrf
from webapp.extensions import db
from webapp.models import DiaryEntry
from webapp.models import now_utc

EXEMPT = {"diary.sync_entries"}  # proved separately below: custom header and origin check
FORM = {"reason": "x", "to_phase": "2", "text": "An addendum", "pain_now": "3"}


def is_exempt(app: Flask, endpoint: str) -> bool:
    """Flask-WTF's own test for an exempt view or blueprint."""
    view = app.view_functions[endpoint]
    blueprint = endpoint.rpartition(".")[0]
    return (
        f"{view.__module__}.{view.__name__}" in csrf._exempt_views
        or blueprint in csrf._exempt_blueprints
    )


@pytest.fixture
def csrf_app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()


def test_every_state_changing_route_refuses_a_request_without_a_token(csrf_app: Flask) -> None:
    app = csrf_app
    world = build_world()
    exempt = {e for e, _m, _r in state_changing_routes(app) if is_exempt(app, e)}
    assert exempt == EXEMPT, "a newly exempt route needs its own proof, like the sync endpoint"

    login_page = app.test_client().get("/login").get_data(as_text=True)
    foreign = re.search(r'"X-CSRFToken": "([^"]+)"', login_page)[1]  # another browser's
    clients = {}
    tried, failures = [], []
    for endpoint, method, rule in state_changing_routes(app):
        if endpoint in EXEMPT:
            continue
        url = url_for_rule(app, rule, world)
        for actor in allowed_actors(endpoint, method) or ["anon"]:
            if actor not in clients:
                clients[actor] = signed_in(app, actor, world)
            http = clients[actor]
            before = snapshot()
            headers = {
                "form": {},
                "htmx": {"HX-Request": "true"},
                "forged": {"X-CSRFToken": "forged.token"},
                "foreign": {"X-CSRFToken": foreign},
            }
            attempts = {
                kind: http.open(url, method=method, data=FORM, headers=sent)
                for kind, sent in headers.items()
            }
            attempts["json"] = http.open(url, method=method, json=FORM)
            for kind, response in attempts.items():
                response.close()
                refused = response.status_code == 400 and (
                    "Your form expired" in response.get_data(as_text=True)
                    or (response.is_json and response.get_json() == {"error": CSRF_MESSAGE})
                )
                if not refused:
                    failures.append(f"{actor} {method} {url} ({kind}): {response.status_code}")
            changed = changed_tables(before, snapshot())
            if changed:
                failures.append(f"{actor} {method} {url}: changed {', '.join(changed)}")
            tried.append((endpoint, method, actor))
    assert not failures, "\n".join(failures)
    routes_tried = {(e, m) for e, m, _a in tried}
    assert len(routes_tried) == len(state_changing_routes(app)) - len(EXEMPT)
    assert len(tried) >= 100, len(tried)
    # The figure in the README: state-changing routes × the actors allowed to use each.
    print(f"CSRF: {len(routes_tried)} routes, {len(tried)} route × actor pairs, 5 requests each")


def entry(hours_ago: float = 1) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "type": "checkin",
        "recorded_at": (now_utc() - timedelta(hours=hours_ago)).isoformat(),
        "tz": "Europe/London",
        "data": {"pain_now": 3, "pain_worst": 5, "sleep": 6, "areas": ["neck"]},
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost"},  # no custom header
        {"X-Continuum-Sync": "0", "Origin": "http://localhost"},
        {"X-Continuum-Sync": "1", "Origin": "https://evil.example"},
        {"X-Continuum-Sync": "1", "Origin": "null"},
        {"X-Continuum-Sync": "1", "Origin": "http://localhost.evil.example"},
        {"X-Continuum-Sync": "1", "Sec-Fetch-Site": "cross-site"},
        {"X-Continuum-Sync": "1", "Sec-Fetch-Site": "same-site"},
    ],
    ids=[
        "no-header",
        "wrong-header",
        "other-origin",
        "null-origin",
        "lookalike-origin",
        "cross-site",
        "same-site",
    ],
)
def test_sync_refuses_a_request_without_its_header_or_from_elsewhere(
    csrf_app: Flask, headers: dict[str, str]
) -> None:
    world = build_world()
    http = signed_in(csrf_app, "client_self", world)
    before = snapshot()
    body = json.dumps({"entries": [entry()]})
    response = http.post("/api/sync", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Missing the sync header or from another site."}
    assert changed_tables(before, snapshot()) == []


def test_sync_from_the_app_itself_is_stored(csrf_app: Flask) -> None:
    """The control: with its header, from its own origin, and no form token, sync works."""
    world = build_world()
    http = signed_in(csrf_app, "client_self", world)
    sent = entry()
    response = http.post(
        "/api/sync",
        json={"entries": [sent]},
        headers={"X-Continuum-Sync": "1", "Origin": "http://localhost"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"] == [{"id": sent["id"], "status": "stored"}]
    assert db.session.scalar(db.select(DiaryEntry).where(DiaryEntry.client_entry_id == sent["id"]))
