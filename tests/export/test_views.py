"""The export page and download through the app: identity first, one audit row, the file."""

from __future__ import annotations

import io
import json
import re
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import update

from tests.export.conftest import Household
from tests.factories import PASSWORD
from tests.factories import login
from tests.factories import totp_code
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import LoginAttempt
from webapp.models import User

URL = "/settings/export"


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def exports() -> list[tuple[int | None, str, int | None, str, str]]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))
    return [(e.actor_id, e.actor_role, e.client_id, e.action, e.record) for e in events]


def last_attempt() -> int:
    return db.session.scalar(select(db.func.max(LoginAttempt.id))) or 0


def attempts(since: int) -> list[bool]:
    """Whether each password or code checked after attempt ``since`` was right."""
    db.session.expire_all()
    query = select(LoginAttempt.succeeded).where(LoginAttempt.id > since)
    return list(db.session.scalars(query.order_by(LoginAttempt.id)))


def test_the_page_explains_the_formats_and_asks_who_you_are(
    app: Flask, household: Household
) -> None:
    page = signed_in(app, household.client).get(URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("JSON", "CSV", "FHIR"):
        assert f"<strong>{name}</strong>" in text
    assert "Your password, or a current 6-digit code" in text  # Alex has two-step sign-in
    assert "a health professional" in text
    assert "AM diary" not in text  # the page itself shows no health data
    assert page.headers["Cache-Control"] == "no-store"


def test_a_client_without_two_step_sign_in_is_asked_for_the_password(
    app: Flask, household: Household
) -> None:
    text = signed_in(app, household.other).get(URL).get_data(as_text=True)
    assert ">Your password</label>" in text


def test_the_right_password_downloads_the_json_and_records_one_export(
    app: Flask, household: Household
) -> None:
    http = signed_in(app, household.client)
    since = last_attempt()
    response = http.post(URL, data={"format": "json", "answer": PASSWORD})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="continuum-export-')
    assert disposition.endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert document["profile"]["email"] == household.client.email
    assert len(document["diary_entries"]) == 2
    client = household.client
    assert exports() == [(client.id, "client", client.id, "export", "record")]
    assert attempts(since) == [True]


def test_csv_and_fhir_downloads(app: Flask, household: Household) -> None:
    http = signed_in(app, household.client)
    zipped = http.post(URL, data={"format": "csv", "answer": PASSWORD})
    assert zipped.mimetype == "application/zip"
    assert zipped.headers["Content-Disposition"].endswith('.zip"')
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()
    bundle = http.post(URL, data={"format": "fhir", "answer": PASSWORD})
    assert bundle.mimetype == "application/fhir+json"
    assert bundle.headers["Content-Disposition"].endswith('-fhir.json"')
    assert json.loads(bundle.data)["resourceType"] == "Bundle"
    assert len(exports()) == 2


def test_a_current_code_will_do_instead_of_the_password(app: Flask, household: Household) -> None:
    http = signed_in(app, household.client)
    db.session.execute(update(User).values(totp_last_step=None))
    db.session.commit()
    response = http.post(URL, data={"format": "fhir", "answer": totp_code()})
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"


def test_a_wrong_password_downloads_nothing_and_records_no_export(
    app: Flask, household: Household
) -> None:
    http = signed_in(app, household.client)
    since = last_attempt()
    response = http.post(URL, data={"format": "csv", "answer": "a guess"})
    assert response.status_code == 422
    assert "Content-Disposition" not in response.headers
    text = response.get_data(as_text=True)
    assert "isn&#39;t your password" in text
    assert re.search(r'<input checked [^>]*value="csv"', text)  # the choice is kept
    assert "AM diary" not in text
    assert exports() == []
    assert attempts(since) == [False]  # the wrong answer counts towards throttling


def test_a_missing_or_unknown_format_is_asked_for_again(app: Flask, household: Household) -> None:
    http = signed_in(app, household.client)
    since = last_attempt()
    for data in ({"answer": PASSWORD}, {"format": "xml", "answer": PASSWORD}):
        response = http.post(URL, data=data)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert 'id="format-error">Choose JSON, CSV or FHIR.' in text
    assert http.post(URL, data={"format": "json"}).status_code == 422
    assert exports() == []
    assert attempts(since) == []  # the password wasn't checked, so it wasn't spent


def test_wrong_answers_are_throttled(app: Flask, household: Household) -> None:
    http = signed_in(app, household.client)
    for n in range(app.config["CODE_MAX_FAILURES_PER_ACCOUNT"]):
        assert http.post(URL, data={"format": "json", "answer": f"guess {n}"}).status_code == 422
    response = http.post(URL, data={"format": "json", "answer": PASSWORD})
    assert response.status_code == 429
    assert "Content-Disposition" not in response.headers
    assert exports() == []


def test_staff_cannot_export(app: Flask, household: Household) -> None:
    for user in (household.physio, household.admin):
        http = signed_in(app, user)
        assert http.get(URL).status_code == 403
        assert http.post(URL, data={"format": "json", "answer": PASSWORD}).status_code == 403
    assert exports() == []


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask) -> None:
    response = app.test_client().post(URL, data={"format": "json", "answer": PASSWORD})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
