"""The installable app: manifest, service worker, offline page, and what a device may keep."""

from __future__ import annotations

import re

from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from webapp.extensions import db
from webapp.models import Discipline


def people():  # type: ignore[no-untyped-def]
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    one = gen_client(centre, team, name="Olive Onecopy")
    two = gen_client(centre, team, name="Tariq Twocopy")
    db.session.commit()
    return one, two, team[1]


def test_service_worker_precaches_a_versioned_shell(app: Flask) -> None:
    response = app.test_client().get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', body)
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/js/outbox.js"):
        assert re.search(rf'"{re.escape(path)}\?v=[0-9a-f]{{10}}"', body), path
    assert '"/offline"' in body
    assert re.search(r'importScripts\("/static/js/outbox\.js\?v=[0-9a-f]{10}"\)', body)
    assert "X-Continuum-Offline" in body


def test_offline_page_holds_nothing_personal(app: Flask) -> None:
    client, _other, _physio = people()
    http = app.test_client()
    login(http, client)
    body = http.get("/offline").get_data(as_text=True)
    assert "You&#39;re offline" in body or "You're offline" in body
    assert client.name not in body and "continuum-user" not in body


def test_only_client_pages_are_marked_for_an_offline_copy(app: Flask) -> None:
    client, other, physio = people()
    first = app.test_client()
    login(first, client)
    key = first.get("/today").headers["X-Continuum-Offline"]
    assert first.get("/diary").headers["X-Continuum-Offline"] == key
    assert "X-Continuum-Offline" not in first.get("/manifest.webmanifest").headers
    assert f'<meta name="continuum-user" content="{key}">' in first.get("/today").get_data(
        as_text=True
    )
    again = app.test_client()
    login(again, client)
    assert again.get("/today").headers["X-Continuum-Offline"] == key  # stable across sign-ins
    second = app.test_client()
    login(second, other)
    assert second.get("/today").headers["X-Continuum-Offline"] != key
    staff = app.test_client()
    login(staff, physio)
    assert "X-Continuum-Offline" not in staff.get(f"/clients/{client.id}").headers
    assert "X-Continuum-Offline" not in app.test_client().get("/login").headers


def test_device_keeps_nothing_it_should_not(app: Flask) -> None:
    client, _other, _physio = people()
    http = app.test_client()
    login(http, client)
    today = http.get("/today")
    assert today.headers["Cache-Control"] == "no-store"
    assert '"historyCacheSize": 0' in today.get_data(as_text=True)
    logout = http.post("/logout")
    assert '"cache"' in logout.headers["Clear-Site-Data"]
