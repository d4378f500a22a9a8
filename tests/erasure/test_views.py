"""Through the pages: the client asks, their admin reviews and erases, and then it's over."""

from __future__ import annotations

import html
import re

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from tests.erasure.conftest import EMAIL
from tests.erasure.conftest import NAME
from tests.erasure.conftest import Full
from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import Discipline
from webapp.models import ErasureRequest
from webapp.models import ErasureStatus
from webapp.models import PasswordReset
from webapp.models import Role
from webapp.models import User


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The response's HTML with entities decoded, to read as a person would."""
    return html.unescape(response.get_data(as_text=True))


def fresh(model: type, ident: int):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(model, ident)


def signed_in(app: Flask, user: User):  # type: ignore[no-untyped-def]
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def withdraw_open_request(full: Full) -> None:
    """The shared world arrives with a request open; these tests start from none."""
    db.session.execute(
        update(ErasureRequest)
        .where(ErasureRequest.id == full.request.id)
        .values(status=ErasureStatus.WITHDRAWN, closed_at=full.request.requested_at)
    )
    db.session.commit()


def test_the_client_asks_the_admin_erases_and_the_client_is_gone(full: Full, app: Flask) -> None:
    withdraw_open_request(full)
    client_id = full.client.id
    phone = signed_in(app, full.client)

    page = phone.get("/settings/erasure")
    body = page_text(page)
    assert page.status_code == 200
    assert "What your clinic must keep" in body and "8 years after your last visit" in body
    assert "It can't be undone" in body
    assert 'href="/settings/export"' in body
    assert "Ask to erase my data" in body

    wrong = phone.post("/settings/erasure", data={"answer": "not my password"})
    assert wrong.status_code == 422
    assert "That isn't your password" in page_text(wrong)
    assert db.session.scalar(open_requests(client_id)) == 0

    asked = phone.post("/settings/erasure", data={"answer": PASSWORD})
    assert asked.status_code == 302
    again = phone.post("/settings/erasure", data={"answer": PASSWORD})
    assert again.status_code == 302
    assert db.session.scalar(open_requests(client_id)) == 1
    body = page_text(phone.get("/settings/erasure"))
    assert "You asked on" in body and "I've changed my mind" in body
    assert "Ask to erase my data" not in body

    desk = signed_in(app, full.admin)
    home = page_text(desk.get("/admin/"))
    assert "Erasure requests (1 waiting)" in home
    listing = page_text(desk.get("/admin/erasure"))
    assert NAME in listing
    request_id = int(re.search(r"/admin/erasure/(\d+)", listing).group(1))  # type: ignore[union-attr]
    review = desk.get(f"/admin/erasure/{request_id}")
    text = page_text(review)
    assert review.status_code == 200
    assert NAME in text and EMAIL in text
    assert "Diary entries" in text and "Session notes" in text

    unticked = desk.post(f"/admin/erasure/{request_id}", data={})
    assert unticked.status_code == 422
    assert "Tick the box to confirm" in page_text(unticked)
    assert fresh(User, client_id).erased_at is None

    done = desk.post(f"/admin/erasure/{request_id}", data={"confirm": "y"})
    assert done.status_code == 303
    shown = page_text(desk.get(done.headers["Location"]))
    assert "Erased" in shown and NAME not in shown
    retried = desk.post(f"/admin/erasure/{request_id}", data={"confirm": "y"})
    assert retried.status_code == 303
    assert fresh(ErasureRequest, request_id).status is ErasureStatus.COMPLETED

    # One erasure, written down once: the request's change and the erasure itself.
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.record, AuditEvent.actor_id).where(
            AuditEvent.client_id == client_id, AuditEvent.action.in_(["change", "erase"])
        )
    ).all()
    assert sorted(rows) == [
        ("change", "erasure", full.admin.id),
        ("erase", "erasure", full.admin.id),
    ]

    # The client's phone is signed out; their old password opens nothing.
    assert phone.get("/today").status_code == 302
    assert "/login" in phone.get("/today").headers["Location"]
    assert (
        app.test_client().post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code
        == 422
    )
    tombstone = fresh(User, client_id).email
    assert (
        app.test_client()
        .post("/login", data={"email": tombstone, "password": PASSWORD})
        .status_code
        == 422
    )
    app.test_client().post("/forgot-password", data={"email": EMAIL})
    app.test_client().post("/forgot-password", data={"email": tombstone})
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0

    # Nobody's list or page shows them; their record is a 404 like any missing one.
    for user in (full.admin, full.physio, full.massage):
        http = signed_in(app, user)
        home = http.get("/").headers["Location"]
        pages = [home, "/outcomes/" if user.role is Role.ADMIN else "/outcomes/mine"]
        if user.role is Role.THERAPIST:
            pages += ["/schedule", "/referrals"]
        for page in pages:
            response = http.get(page)
            listed = page_text(response)
            assert response.status_code == 200, (user.name, page)
            assert "Erased client" not in listed and NAME not in listed, (user.name, page)
        assert http.get(f"/clients/{client_id}").status_code == 404
    home = page_text(desk.get("/admin/"))
    assert "Erasure requests (" not in home  # none waiting now


def open_requests(client_id: int):  # type: ignore[no-untyped-def]
    return select(func.count(ErasureRequest.id)).where(
        ErasureRequest.client_id == client_id, ErasureRequest.status == ErasureStatus.REQUESTED
    )


def test_the_client_changes_their_mind(full: Full, app: Flask) -> None:
    phone = signed_in(app, full.client)
    withdrawn = phone.post("/settings/erasure/withdraw")
    assert withdrawn.status_code == 302
    assert fresh(ErasureRequest, full.request.id).status is ErasureStatus.WITHDRAWN
    assert "Ask to erase my data" in page_text(phone.get("/settings/erasure"))
    assert phone.post("/settings/erasure/withdraw").status_code == 302  # nothing open: fine

    desk = signed_in(app, full.admin)
    assert NAME not in page_text(desk.get("/admin/erasure"))
    review = page_text(desk.get(f"/admin/erasure/{full.request.id}"))
    assert "Withdrawn" in review
    late = desk.post(f"/admin/erasure/{full.request.id}", data={"confirm": "y"})
    assert late.status_code == 303
    assert fresh(User, full.client.id).erased_at is None
    assert phone.get("/today").status_code == 200  # still signed in, nothing erased


def test_another_centres_request_is_a_404_like_a_missing_one(full: Full, app: Flask) -> None:
    desk = signed_in(app, full.admin_elsewhere)
    assert NAME not in page_text(desk.get("/admin/erasure"))
    assert "Erasure requests (" not in page_text(desk.get("/admin/"))
    for request_id in (full.request.id, 2_000_000):
        url = f"/admin/erasure/{request_id}"
        assert desk.get(url).status_code == 404
        assert desk.post(url, data={"confirm": "y"}).status_code == 404
    assert fresh(User, full.client.id).erased_at is None


def test_a_therapist_or_client_cannot_reach_the_admin_pages(full: Full, app: Flask) -> None:
    for user in (full.physio, full.client):
        http = signed_in(app, user)
        assert http.get("/admin/erasure").status_code == 403
        assert (
            http.post(f"/admin/erasure/{full.request.id}", data={"confirm": "y"}).status_code == 403
        )
    assert signed_in(app, full.physio).get("/settings/erasure").status_code == 403


def test_too_many_wrong_answers_are_throttled(app: Flask) -> None:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    db.session.commit()
    phone = signed_in(app, client)
    answers = [
        phone.post("/settings/erasure", data={"answer": "wrong"}).status_code for _ in range(6)
    ]
    assert answers[0] == 422
    assert answers[-1] == 429
    throttled = phone.post("/settings/erasure", data={"answer": PASSWORD})
    assert throttled.status_code == 429
    assert db.session.scalar(open_requests(client.id)) == 0


def test_an_admin_with_no_requests_sees_an_empty_page(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    page = page_text(signed_in(app, admin).get("/admin/erasure"))
    assert "No requests waiting." in page and "None yet." in page
