"""CSRF is checked on every state-changing request, htmx requests included."""

from __future__ import annotations

import re

from flask import Flask

from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import totp_code
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import Role

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def sign_in_with_tokens(http, email: str):  # type: ignore[no-untyped-def]
    """Sign a staff member in through both steps, each form with its CSRF token."""
    token = TOKEN.search(http.get("/login").get_data(as_text=True)).group(1)
    step = http.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert step.headers["Location"] == "/login/code"
    token = TOKEN.search(http.get("/login/code").get_data(as_text=True)).group(1)
    return http.post("/login/code", data={"code": totp_code(), "csrf_token": token})


def mutating_urls(app: Flask, client_id: int) -> list[tuple[str, str]]:
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for method in rule.methods & STATE_CHANGING:
                values = {
                    "client_id": client_id,
                    "token": "some-token",
                    "exercise_id": "N1",
                    "prescription_id": 1,
                    "entry_id": "00000000-0000-4000-8000-000000000000",
                    "activity_id": 1,
                    "alert_id": 1,
                    "appointment_id": 1,
                    "note_id": 1,
                    "referral_id": 1,
                    "request_id": 1,
                }
                url = app.url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
                found.append((method, url))
    return found


def test_every_state_changing_route_needs_a_token(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        centre = gen_centre()
        massage = gen_therapist(centre, Discipline.MASSAGE)
        physio = gen_therapist(centre, Discipline.PHYSIO)
        target = gen_client(centre, [massage, physio])
        db.session.commit()
        urls = mutating_urls(app, target.id)
        email = physio.email
    assert len(urls) >= 5

    http = app.test_client()
    signed_in = sign_in_with_tokens(http, email)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"

    for method, url in urls:
        if url == "/api/sync":
            continue  # guarded by a custom header and an origin check: tests/diary/test_sync.py
        plain = http.open(url, method=method, data={"reason": "x"})
        assert plain.status_code == 400, f"{method} {url} accepted a form without a token"
        hx = http.open(url, method=method, headers={"HX-Request": "true"}, data={"reason": "x"})
        assert hx.status_code == 400, f"{method} {url} accepted an htmx request without a token"
        forged = http.open(url, method=method, headers={"X-CSRFToken": "forged.token"})
        assert forged.status_code == 400, f"{method} {url} accepted a forged token"
        assert "Your form expired" in forged.get_data(as_text=True)


def test_htmx_requests_carry_the_token_in_a_header(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        centre = gen_centre()
        massage = gen_therapist(centre, Discipline.MASSAGE)
        physio = gen_therapist(centre, Discipline.PHYSIO)
        target = gen_client(centre, [massage, physio], phase=1)
        db.session.commit()
        target_id, email = target.id, physio.email
    http = app.test_client()
    sign_in_with_tokens(http, email)
    page = http.get(f"/clients/{target_id}").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = http.post(
        f"/clients/{target_id}/phase",
        headers={"HX-Request": "true", "X-CSRFToken": header_token},
        data={"to_phase": "2", "reason": "Pain has settled."},
    )
    assert response.status_code == 200
    assert 'id="phase-panel"' in response.get_data(as_text=True)


def test_sign_in_form_needs_a_token(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = gen_user(Role.ADMIN, [gen_centre()])
        db.session.commit()
        email = admin.email
    response = app.test_client().post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
