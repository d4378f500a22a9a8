"""Bad input gets a clear 4xx, never a 500, and never a hint that a record exists elsewhere.

Issue #9 "Bad input": tampered ids in URLs, query strings and forms; oversized bodies; wrong
content types and malformed JSON; forged link tokens. Every route is requested with hostile
path values, query strings, form bodies and JSON bodies as a user allowed to use it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from itertools import cycle
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.security.walk import allowed_actors
from tests.security.walk import changed_tables
from tests.security.walk import form_field_names
from tests.security.walk import signed_in
from tests.security.walk import snapshot
from tests.test_policy import MAY_SEE_TARGET
from tests.test_policy import World
from tests.test_policy import build_world
from tests.test_policy import routes
from tests.test_policy import url_for_rule
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import User
from webapp.security import MAX_ID

SYNC = {"X-Continuum-Sync": "1", "Origin": "http://localhost"}
BIG = 2 * 1024 * 1024

# Values a tampered URL puts where a record id goes; each must be a plain 404.
MISSING_IDS = ["0", str(MAX_ID), str(2**31), str(2**63), str(10**30)]
NOT_IDS = ["-1", "abc", "1.5", "1e3", "0x10", "%00", "%20"]
ODD_STRINGS = [
    "../../etc/passwd",
    "..",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "\x00",
    "💥",
    "a" * 3000,
    "null",
    " ",
    "%2e%2e%2f",
    str(2**63),
]
# Query-string names the views read, each sent hostile values.
QUERY_NAMES = [
    "centre_id",
    "centre",
    "client",
    "phase",
    "weeks",
    "week",
    "view",
    "start",
    "day",
    "direction",
    "next",
    "q",
    "region",
    "equipment",
    "condition",
    "logged",
    "flagged",
    "saved",
    "signed_out",
    "staff",
    "from",
    "to",
    "page",
]
HOSTILE_VALUES = [
    str(2**63),
    "-1",
    "0",
    "1e309",
    "NaN",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00",
    "💥" * 50,
    "9" * 400,
    "../../etc/passwd",
    "2026-02-30",
    "99:99",
    "//evil.example",
]
HOSTILE_JSON = [
    None,
    [],
    "x",
    1e308,
    {"entries": "x"},
    {"entries": [None, 1, "x", {"id": "x" * 100, "type": ["checkin"]}]},
    {"entries": [{"id": str(uuid.uuid4()), "type": "checkin", "recorded_at": "x"}]},
    {"endpoint": 5, "keys": []},
    {"endpoint": "https://push.example/" + "x" * 2000, "keys": {"p256dh": "x", "auth": "y"}},
]
ID_ARGUMENTS = {
    "client_id",
    "prescription_id",
    "entry_id",
    "activity_id",
    "alert_id",
    "appointment_id",
    "note_id",
    "referral_id",
    "request_id",
}


def replace_argument(app: Flask, rule, world: World, name: str, raw: str) -> str:  # type: ignore[no-untyped-def]
    url = url_for_rule(app, rule, world).split("?")[0]
    parts = [p for p in rule.rule.split("/")]
    built = url.split("/")
    for i, part in enumerate(parts):
        if f":{name}>" in part or f"<{name}>" in part:
            prefix, _, rest = part.partition("<")
            suffix = rest.partition(">")[2]
            built[i] = prefix + raw + suffix
    return "/".join(built)


def routes_with(app: Flask, names: set[str]) -> list[tuple[str, str, object]]:
    return [(e, m, r) for e, m, r in routes(app) if set(r.arguments) & names]


def int_arguments(rule) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name, conv in rule._converters.items() if conv.regex == r"\d+"]


def no_5xx(response, where: str, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    response.close()
    if response.status_code >= 500:
        failures.append(f"{where}: {response.status_code}")


# --- Oversized bodies --------------------------------------------------------------------------


def test_an_oversized_form_gets_a_clear_413_page(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "x" * BIG, "password": "x"})
    assert response.status_code == 413
    assert "That was too much to send" in response.get_data(as_text=True)


def test_one_oversized_form_field_is_413_too(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        data={"email": "x" * (300 * 1024), "password": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_an_oversized_sync_batch_gets_413_in_json(app: Flask) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    body = json.dumps({"entries": [{"notes": "x" * BIG}]})
    response = http.post("/api/sync", data=body, content_type="application/json", headers=SYNC)
    assert response.status_code == 413
    assert response.get_json() == {"error": "That was too large to send."}


# --- Wrong content types and malformed JSON ----------------------------------------------------

JSON_ENDPOINTS = ["/api/sync", "/settings/reminders/push", "/settings/reminders/push/remove"]


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_json_endpoints_refuse_other_content_types_with_415(app: Flask, url: str) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    for body, content_type in (
        ('{"entries": []}', "text/plain"),
        ("entries=1", "application/x-www-form-urlencoded"),
        ('{"entries": []}', "multipart/form-data; boundary=x"),
        ("<entries/>", "application/xml"),
    ):
        response = http.post(url, data=body, content_type=content_type, headers=SYNC)
        assert response.status_code == 415, content_type
        assert response.get_json() == {"error": "Send JSON, with Content-Type: application/json."}


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_json_endpoints_refuse_malformed_json_with_400(app: Flask, url: str) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    before = snapshot()
    for body in ("{", '{"entries": [}', "\xff\xfe", "[" * 100_000, '{"a": NaN'[:-1]):
        response = http.post(url, data=body, content_type="application/json", headers=SYNC)
        assert response.status_code == 400, body[:20]
        assert response.get_json() == {"error": "That body isn't valid JSON."}
    response = http.post(url, data="", content_type="application/json", headers=SYNC)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Send a JSON body."}
    assert changed_tables(before, snapshot()) == []


def test_a_page_refuses_a_json_body(app: Flask) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    for body in ([1, 2], "x", {"pain_now": 3}, "[" * 100_000):
        data = body if isinstance(body, str) and body.startswith("[") else json.dumps(body)
        response = http.post("/diary/checkin", data=data, content_type="application/json")
        assert response.status_code == 415
        assert response.get_json() == {"error": "This address reads a form, not JSON."}


def test_sync_explains_a_batch_of_the_wrong_shape(app: Flask) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    for payload in ([], "x", 3, {"entries": "x"}, {"entries": []}):
        response = http.post("/api/sync", json=payload, headers=SYNC)
        assert response.status_code == 400, payload
        assert "entries" in response.get_json()["error"]


def test_a_nul_character_is_refused_before_the_database_sees_it(app: Flask) -> None:
    world = build_world()
    http = signed_in(app, "client_self", world)
    before = snapshot()
    form = http.post("/diary/checkin", data={"pain_now": "3", "notes": "stiff\x00neck"})
    assert form.status_code == 400
    assert "Something in that request wasn" in form.get_data(as_text=True)
    sync = http.post("/api/sync", json={"entries": [{"notes": "a\x00b"}]}, headers=SYNC)
    assert sync.status_code == 400 and sync.get_json() == {"error": "That request wasn't right."}
    query = http.get("/diary?weeks=2%00")
    assert query.status_code == 400
    assert changed_tables(before, snapshot()) == []


def test_a_tampered_request_key_is_refused(app: Flask) -> None:
    world = build_world()
    http = signed_in(app, "physio_team", world)
    for key in ("💥" * 50, "x", "' OR 1=1 --"):
        response = http.post(
            f"/notes/{world.note_id}/addenda", data={"text": "Checked again", "request_key": key}
        )
        assert response.status_code == 422, key


# --- Tampered ids ------------------------------------------------------------------------------


def test_tampered_ids_in_urls_are_404(app: Flask) -> None:
    world = build_world()
    failures, tried = [], 0
    for endpoint, method, rule in routes(app):
        names = int_arguments(rule) + [n for n in ("entry_id",) if n in rule.arguments]
        if not names:
            continue
        actors = allowed_actors(endpoint, method)
        if not actors:
            continue
        http = signed_in(app, actors[0], world)
        for name in names:
            values = MISSING_IDS + NOT_IDS if name != "entry_id" else [str(uuid.uuid4()), "x"]
            for value in values:
                url = replace_argument(app, rule, world, name, value)
                response = http.open(url, method=method)
                response.close()
                tried += 1
                if response.status_code != 404:
                    failures.append(f"{actors[0]} {method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert tried > 300
    print(f"tampered ids: {tried} requests, all 404")


def test_another_centres_record_looks_exactly_like_a_missing_one(app: Flask) -> None:
    """For anyone who may not see the target, a real id and a made-up one answer alike."""
    world = build_world()
    failures, compared = [], 0
    for endpoint, method, rule in routes_with(app, ID_ARGUMENTS):
        for actor in sorted(set(world.users) - MAY_SEE_TARGET):
            http = signed_in(app, actor, world)
            real = http.open(url_for_rule(app, rule, world), method=method)
            missing_url = url_for_rule(app, rule, world)
            for name in set(rule.arguments) & ID_ARGUMENTS:
                made_up = str(uuid.uuid4()) if name == "entry_id" else str(MAX_ID)
                missing_url = replace_argument(app, rule, world, name, made_up)
            http = signed_in(app, actor, world)
            missing = http.open(missing_url, method=method)
            real.close()
            missing.close()
            compared += 1
            if real.status_code != missing.status_code:
                failures.append(
                    f"{actor} {method} {endpoint}: {real.status_code} for the real record,"
                    f" {missing.status_code} for a missing one"
                )
    assert not failures, "\n".join(failures)
    print(f"existence oracle: {compared} route × actor pairs answer alike")


def test_another_centres_ids_in_forms_and_queries_are_refused(app: Flask) -> None:
    world = build_world()
    other_centre = db.session.scalar(db.select(Centre).where(Centre.id != world.centre_a_id))
    therapist_b = world.users["therapist_other_centre"]
    http = signed_in(app, "admin_same", world)
    for value in (other_centre.id, MAX_ID, 2**63, "abc", -1):
        options = http.get(f"/admin/care-team-options?centre_id={value}")
        assert options.status_code == 404, value
    before = db.session.scalar(db.select(db.func.count(User.id)))
    for centre_id in (other_centre.id, 2**63, "x"):
        response = http.post(
            "/admin/clients/new",
            data={
                "name": "Ivy Intruder",
                "email": f"ivy{secrets.token_hex(4)}@example.test",
                "centre_id": centre_id,
                "condition": "neck_shoulder",
                "phase": "1",
                "massage_therapists": [therapist_b.id],
                "physiotherapists": [2**63],
            },
        )
        assert response.status_code == 422, centre_id
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(User.id))) == before

    physio = signed_in(app, "physio_team", world)
    response = physio.post(
        f"/clients/{world.target.id}/appointments/new",
        data={"massage_id": str(therapist_b.id), "physio_id": str(2**63), "starts_on": "x"},
    )
    assert response.status_code == 422


# --- Forged link tokens ------------------------------------------------------------------------

TOKEN_ROUTES = ["auth.accept_invitation", "sessions.feed", "auth.reset"]


def test_forged_link_tokens_get_a_clear_404_page(app: Flask) -> None:
    world = build_world()
    http = app.test_client()
    feed = "1-" + "0" * 40
    forged = [
        "forged-token",
        secrets.token_urlsafe(32),
        feed,
        f"{MAX_ID}-{'a' * 40}",
        f"{2**63}-{'a' * 40}",
        "9" * 30,
        *ODD_STRINGS,
    ]
    failures = []
    for endpoint, method, rule in routes(app):
        if endpoint not in TOKEN_ROUTES:
            continue
        for token in forged:
            url = replace_argument(app, rule, world, "token", quote(token, safe=""))
            response = http.open(url, method=method)
            body = response.get_data(as_text=True)
            if response.status_code not in (404, 410):
                failures.append(f"{method} {url[:60]}: {response.status_code}")
            elif method == "GET" and "<h1>" not in body and endpoint != "sessions.feed":
                failures.append(f"{method} {url[:60]}: no explanation on the page")
    assert not failures, "\n".join(failures)


# --- Everything at once: every route, hostile input of every kind, no 5xx -------------------


@pytest.fixture
def serving_app(make_app) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The app as a server runs it: an exception becomes a 500 page, so every one is counted."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        yield app
        db.session.remove()


def test_every_route_survives_hostile_input(serving_app: Flask) -> None:
    app = serving_app
    world = build_world()
    fields = sorted(form_field_names())
    failures: list[str] = []
    requests = 0
    values = cycle(HOSTILE_VALUES)
    for endpoint, method, rule in routes(app):
        actor = (allowed_actors(endpoint, method) or ["anon"])[0]
        http = signed_in(app, actor, world)
        base = url_for_rule(app, rule, world)
        where = f"{actor} {method} {endpoint}"
        # Hostile values in the path.
        for name in rule.arguments:
            for value in ODD_STRINGS + NOT_IDS:
                url = replace_argument(app, rule, world, name, quote(value, safe="%"))
                no_5xx(http.open(url, method=method), f"{where} {name}={value[:20]!r}", failures)
                requests += 1
        # Hostile query strings, form bodies, JSON bodies and headers.
        for value in HOSTILE_VALUES:
            query = urlencode({name: value for name in QUERY_NAMES})
            joiner = "&" if "?" in base else "?"
            response = http.open(f"{base}{joiner}{query}", method=method)
            no_5xx(response, f"{where} ?…={value[:20]!r}", failures)
            form = {name: next(values) for name in fields}
            response = http.open(base, method=method, data=form)
            no_5xx(response, f"{where} form {value[:20]!r}", failures)
            requests += 3
            if value.isprintable():
                headers = {"HX-Request": value, "Accept": value, "HX-Target": value}
                response = http.open(base, method=method, headers=headers)
                no_5xx(response, f"{where} headers {value[:20]!r}", failures)
        if method != "GET":
            for payload in HOSTILE_JSON:
                response = http.open(base, method=method, json=payload, headers=SYNC)
                no_5xx(response, f"{where} json {str(payload)[:30]}", failures)
                requests += 1
    assert not failures, f"{len(failures)} of {requests} requests failed:\n" + "\n".join(failures)
    print(f"hostile input: {requests} requests over {len(routes(app))} routes")
