"""Password reset by an emailed one-time link, sent through a real local SMTP server."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.auth.test_login import CSRF_TOKEN
from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_user
from tests.factories import login
from tests.factories import totp_code
from tests.reminders.sinks import SmtpSink
from webapp.auth import reset
from webapp.auth import services
from webapp.extensions import db
from webapp.housekeeping import services as housekeeping
from webapp.models import PasswordReset
from webapp.models import Role
from webapp.models import User
from webapp.models import UserSession
from webapp.models import now_utc

NEW_PASSWORD = "a brand new phrase for me"
LINK = re.compile(r"http://localhost(/reset/[A-Za-z0-9_-]+)")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_app(make_app, smtp: SmtpSink) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = make_app(SMTP_URL=smtp.url)
    with app.app_context():
        yield app
        db.session.remove()


def ask(http: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    """Ask for a link; closing the response is when the email goes out."""
    response = http.post("/forgot-password", data={"email": email})
    response.close()
    return response


def link_in(smtp: SmtpSink, to: str) -> str:
    mails = [mail for mail in smtp.mails if to in mail.to]
    assert len(mails) == 1, f"expected one mail to {to}, got {len(mails)}"
    return LINK.search(mails[0].body).group(1)


def live_sessions(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count(UserSession.token_hash)).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
        )
    )


def test_the_answer_is_the_same_for_any_address(mail_app: Flask, smtp: SmtpSink) -> None:
    gen_user(Role.CLIENT, [gen_centre()], email="known@example.test")
    db.session.commit()
    answers = []
    for email in ("known@example.test", "nobody@example.test"):
        response = ask(mail_app.test_client(), email)
        body = CSRF_TOKEN.sub("TOKEN", response.get_data(as_text=True))
        answers.append((response.status_code, body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and "If an account uses that address" in answers[0][1]
    assert [mail.to for mail in smtp.mails] == [["known@example.test"]]
    mail = smtp.mails[0]
    assert mail.subject == "Reset your Continuum password"
    assert "30 minutes" in mail.body and "ignore this email" in mail.body


def test_the_link_is_stored_hashed_and_works_once(mail_app: Flask, smtp: SmtpSink) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    ask(mail_app.test_client(), client_user.email.upper())
    path = link_in(smtp, client_user.email)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalars(db.select(PasswordReset)).one()
    assert stored.token_hash == services.digest(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    http = mail_app.test_client()
    page = http.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    weak = http.post(path, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    done = http.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert http.get("/today").status_code == 200  # a client without a second step is signed in

    again = mail_app.test_client().get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert login(mail_app.test_client(), client_user).status_code == 422  # old password
    assert login(mail_app.test_client(), client_user, NEW_PASSWORD).status_code == 302


def test_a_new_password_signs_out_every_device(mail_app: Flask, smtp: SmtpSink) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    phone, laptop = mail_app.test_client(), mail_app.test_client()
    login(phone, client_user)
    login(laptop, client_user)
    assert live_sessions(client_user) == 2
    ask(mail_app.test_client(), client_user.email)
    path = link_in(smtp, client_user.email)
    other = mail_app.test_client()
    other.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    for device in (phone, laptop):
        assert "/login" in device.get("/today").headers["Location"]
    assert live_sessions(client_user) == 1  # only the one just started with the new password


def test_a_reset_does_not_skip_the_second_step(mail_app: Flask, smtp: SmtpSink) -> None:
    staff = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    ask(mail_app.test_client(), staff.email)
    path = link_in(smtp, staff.email)
    http = mail_app.test_client()
    page = http.get(path).get_data(as_text=True)
    assert "enter a code from your authenticator app" in page
    done = http.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/login/code"
    assert "Your password is changed" in http.get("/login/code").get_data(as_text=True)
    assert live_sessions(staff) == 0
    assert "/login" in http.get("/admin/").headers["Location"]
    assert http.post("/login/code", data={"code": "000000"}).status_code in (422, 302)
    signed_in = http.post("/login/code", data={"code": totp_code()})
    assert signed_in.status_code == 302
    assert http.get("/admin/").status_code == 200


def test_expired_forged_and_superseded_links(mail_app: Flask, smtp: SmtpSink) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    http = mail_app.test_client()
    assert http.get("/reset/forged-token").status_code == 404
    assert http.get("/reset/" + "x" * 200).status_code == 404

    ask(mail_app.test_client(), client_user.email)
    ask(mail_app.test_client(), client_user.email)
    first, second = (LINK.search(mail.body).group(1) for mail in smtp.mails)
    assert first != second
    db.session.execute(db.update(PasswordReset).values(expires_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()
    expired = http.get(second)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)

    ask(mail_app.test_client(), client_user.email)
    third = LINK.search(smtp.mails[-1].body).group(1)
    http.post(third, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert http.get(first).status_code == 410  # using one link spends every open one


def test_only_active_accounts_get_a_link(mail_app: Flask, smtp: SmtpSink) -> None:
    gone = gen_user(Role.CLIENT, [gen_centre()])
    gone.active = False
    db.session.commit()
    assert ask(mail_app.test_client(), gone.email).status_code == 200
    assert smtp.mails == []


def test_reset_emails_are_throttled(mail_app: Flask, smtp: SmtpSink) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    per_account = mail_app.config["RESET_MAX_PER_ACCOUNT"]
    for _ in range(per_account + 2):
        assert ask(mail_app.test_client(), client_user.email).status_code == 200
    assert len(smtp.mails) == per_account  # the page still says the same; no more mail goes
    for n in range(mail_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        ask(mail_app.test_client(), f"someone{n}@example.test")
    response = ask(mail_app.test_client(), "another@example.test")
    assert response.status_code == 429
    assert "Too many reset requests" in response.get_data(as_text=True)


def test_development_logs_the_mail_without_the_link(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    with caplog.at_level(logging.INFO):
        ask(app.test_client(), client_user.email)
    stored = db.session.scalars(db.select(PasswordReset)).one()
    messages = [record.getMessage() for record in caplog.records]
    assert any("password reset email not sent: no SMTP_URL" in m for m in messages)
    assert not any("/reset/" in m or client_user.email in m for m in messages)
    assert stored.token_hash not in " ".join(messages)


def test_the_mail_server_being_down_is_logged_not_raised(
    make_app, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SMTP_URL="smtp://127.0.0.1:9")
    with app.app_context():
        client_user = gen_user(Role.CLIENT, [gen_centre()])
        db.session.commit()
        email = client_user.email
    with caplog.at_level(logging.WARNING):
        assert ask(app.test_client(), email).status_code == 200
    assert any("password reset email not sent" in r.getMessage() for r in caplog.records)


def test_the_sign_in_page_offers_a_reset(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    assert client.get("/forgot-password").status_code == 200
    assert client.post("/forgot-password", data={"email": ""}).status_code == 422


def test_the_reset_service_takes_the_time_it_is_given(app: Flask) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    start = now_utc()
    asked = reset.request_reset(
        db.session,
        client_user.email,
        address="10.0.0.1",
        now=start,
        ttl=timedelta(minutes=30),
        throttle=services.Throttle.for_resets(app.config),
    )
    db.session.commit()
    found = reset.find_reset(db.session, asked.token, start + timedelta(minutes=29))
    assert found.user_id == client_user.id
    with pytest.raises(reset.ResetProblem, match="expired"):
        reset.find_reset(db.session, asked.token, start + timedelta(minutes=30))
    reset.complete_reset(db.session, found, PASSWORD + "!", start, "cheapest")
    with pytest.raises(reset.ResetProblem, match="used"):
        reset.find_reset(db.session, asked.token, start)


def test_old_reset_links_are_purged(app: Flask) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    start = now_utc()
    throttle = services.Throttle.for_resets(app.config)
    for when in (start - timedelta(days=8), start):
        reset.request_reset(
            db.session,
            client_user.email,
            address="10.0.0.1",
            now=when,
            ttl=timedelta(minutes=30),
            throttle=throttle,
        )
    db.session.commit()
    purged = housekeeping.purge(db.session, start, timedelta(days=30))
    assert purged.reset_links == 1
    assert db.session.scalar(db.select(db.func.count(PasswordReset.id))) == 1
