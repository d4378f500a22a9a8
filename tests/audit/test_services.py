"""The one way to write the trail, and the request id that ties a row to its request."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event as sqlalchemy_event

from tests.audit.conftest import events
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from tests.sessions.conftest import Care
from webapp.audit import capture
from webapp.audit import services
from webapp.audit.request_ids import HEADER
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import now_utc


def test_record_fills_every_field(app: Flask) -> None:
    north, south = gen_centre("North"), gen_centre("South")
    physio = gen_therapist(north, Discipline.PHYSIO)
    physio.centres.append(south)
    massage = gen_therapist(north, Discipline.MASSAGE)
    client = gen_client(north, [massage, physio])
    db.session.commit()
    before = now_utc()
    services.record(db.session, physio, client.id, "read", "notes", 42, request_id="req-12345678")
    db.session.commit()
    (event,) = events()
    assert event.actor_id == physio.id and event.actor_role == "therapist"
    assert sorted(services.centre_ids(event)) == sorted([north.id, south.id])
    assert event.client_id == client.id
    assert (event.action, event.record, event.record_id) == ("read", "notes", "42")
    assert event.request_id == "req-12345678"
    assert event.at.utcoffset() == timedelta(0)
    assert before <= event.at <= now_utc()


def test_a_job_records_as_the_system(app: Flask) -> None:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    db.session.commit()
    services.record(db.session, None, client.id, "export", "diary")
    db.session.commit()
    (event,) = events()
    assert (event.actor_id, event.actor_role, event.actor_centres) == (None, "system", "")
    assert event.request_id == ""


def test_no_names_or_clinical_text_in_a_row(app: Flask, london: Care) -> None:
    http = app.test_client()
    login(http, london.physio)
    http.get(f"/clients/{london.client.id}/notes")
    (event,) = events()
    values = [str(getattr(event, c.key)) for c in event.__table__.columns]
    assert not any(london.client.name in v or london.physio.name in v for v in values)
    assert not any(london.client.email in v for v in values)


def test_unknown_kinds_are_refused_before_any_row(app: Flask) -> None:
    with pytest.raises(services.UnknownKind):
        services.record(db.session, None, None, "peek", "diary")
    with pytest.raises(services.UnknownKind):
        services.record(db.session, None, None, "read", "diaries")
    assert not db.session.new


def test_what_happened_in_plain_words() -> None:
    assert services.describe("read", "diary") == "read your diary"
    assert services.describe("change", "programme") == "changed your home programme"
    assert services.describe("read", "brief") == "read your pre-session brief"
    assert services.describe("read", "record") == "opened your record"
    assert services.describe("change", "account") == "sent you a new sign-in link"


def test_a_sane_request_id_comes_back(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz", headers={HEADER: "proxy-7f3a9c2e41b0"})
    assert response.headers[HEADER] == "proxy-7f3a9c2e41b0"


@pytest.mark.parametrize(
    "offered", ["", "short", "has spaces in it", "x" * 65, "<script>alert(1)</script>", "ö" * 10]
)
def test_any_other_request_id_is_replaced(client, offered: str) -> None:  # type: ignore[no-untyped-def]
    sent = client.get("/healthz", headers={HEADER: offered} if offered else {})
    made = sent.headers[HEADER]
    assert made != offered and len(made) == 16 and int(made, 16) >= 0
    assert client.get("/healthz").headers[HEADER] != made  # one per request


def test_error_pages_carry_the_request_id_too(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page", headers={HEADER: "abcdef12"})
    assert response.status_code == 404 and response.headers[HEADER] == "abcdef12"


def test_the_row_and_the_response_share_the_request_id(app: Flask, london: Care) -> None:
    http = app.test_client()
    login(http, london.physio)
    response = http.get(f"/clients/{london.client.id}/brief", headers={HEADER: "lb-0123456789"})
    assert response.status_code == 200
    (event,) = events()
    assert event.request_id == "lb-0123456789" == response.headers[HEADER]


def test_log_records_carry_the_request_id(make_app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    app = make_app()

    @app.get("/forgotten")
    def forgotten() -> str:  # unclassified, so the guard logs an error and refuses it
        return "secret"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        app.test_client().get("/forgotten", headers={HEADER: "trace-0000abcd"})
    (record,) = [r for r in caplog.records if "no access classification" in r.getMessage()]
    assert record.request_id == "trace-0000abcd"  # type: ignore[attr-defined]


def test_a_read_costs_one_insert_and_no_other_query(
    app: Flask, london: Care, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same page with the trail off and on: the only difference is the INSERT (and, on
    PostgreSQL, the SET LOCAL that spares the read a disk sync); nothing is read again."""
    http = app.test_client()
    login(http, london.client)
    statements: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0] + " " + statement.split()[2].strip('"'))

    def run() -> list[str]:
        statements.clear()
        assert http.get("/diary").status_code == 200
        return list(statements)

    run()  # warm up
    sqlalchemy_event.listen(db.engine, "before_cursor_execute", keep)
    try:
        monkeypatch.setattr(capture.Declaration, "covers", lambda self, method: False)
        off = run()
        monkeypatch.undo()
        on = run()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", keep)
    extra = ["INSERT audit_event"]
    if db.engine.dialect.name == "postgresql":
        extra = ["SET synchronous_commit", *extra]
    assert on == off + extra
