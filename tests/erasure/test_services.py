"""Asking, withdrawing and carrying out an erasure, and who may see what afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.erasure.conftest import NOW
from tests.erasure.conftest import Full
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp import policy
from webapp.auth import services as auth
from webapp.erasure import services as erasure
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import Delivery
from webapp.models import Discipline
from webapp.models import ErasureRequest
from webapp.models import ErasureStatus
from webapp.models import ReminderSettings
from webapp.models import Role
from webapp.models import SessionNote
from webapp.models import User
from webapp.models import UserSession
from webapp.reminders import planning

# --- Asking and taking it back ------------------------------------------------------------------


def small_world() -> tuple[User, User, User]:
    """A client of one centre, that centre's admin, and another centre's admin."""
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    return client, gen_user(Role.ADMIN, [centre]), gen_user(Role.ADMIN, [gen_centre()])


def test_asking_twice_keeps_one_open_request(app: Flask) -> None:
    client, _admin, _other = small_world()
    first = erasure.request_erasure(db.session, client, NOW)
    again = erasure.request_erasure(db.session, client, NOW)
    db.session.commit()
    assert first.id == again.id
    assert first.status is ErasureStatus.REQUESTED and first.requested_at == NOW
    assert db.session.scalar(select(func.count(ErasureRequest.id))) == 1


def test_staff_cannot_ask_for_erasure(app: Flask) -> None:
    _client, admin, _other = small_world()
    with pytest.raises(erasure.ErasureError):
        erasure.request_erasure(db.session, admin, NOW)


def test_withdrawing_closes_the_open_request_and_asking_again_opens_a_new_one(app: Flask) -> None:
    client, admin, _other = small_world()
    first = erasure.request_erasure(db.session, client, NOW)
    withdrawn = erasure.withdraw(db.session, client, NOW)
    assert withdrawn is first
    assert (first.status, first.closed_at, first.closed_by_id) == (
        ErasureStatus.WITHDRAWN,
        NOW,
        client.id,
    )
    assert erasure.withdraw(db.session, client, NOW) is None  # nothing open: nothing happens
    assert erasure.open_requests(db.session, admin) == []
    second = erasure.request_erasure(db.session, client, NOW)
    assert second.id != first.id
    with pytest.raises(erasure.ErasureError, match="withdrew"):
        erasure.complete(db.session, first, admin, NOW)


def test_admins_see_only_their_centres_requests(app: Flask) -> None:
    client, admin, other = small_world()
    request = erasure.request_erasure(db.session, client, NOW)
    db.session.commit()
    assert erasure.open_requests(db.session, admin) == [request]
    assert erasure.count_open(db.session, admin) == 1
    assert erasure.open_requests(db.session, other) == []
    assert erasure.count_open(db.session, other) == 0
    with pytest.raises(erasure.ErasureError):
        erasure.complete(db.session, request, other, NOW)
    assert request.status is ErasureStatus.REQUESTED
    assert db.session.get(User, client.id).erased_at is None  # type: ignore[union-attr]


# --- Carrying it out ----------------------------------------------------------------------------


def test_completing_twice_erases_once_and_records_it_once(full: Full) -> None:
    done = erasure.complete(db.session, full.request, full.admin, NOW, request_id="req-1")
    db.session.commit()
    again = erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    assert done is again and done.status is ErasureStatus.COMPLETED
    assert (done.closed_at, done.closed_by_id) == (NOW, full.admin.id)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
    assert [(e.actor_id, e.client_id, e.record, e.record_id, e.request_id) for e in rows] == [
        (full.admin.id, full.client.id, "erasure", str(full.request.id), "req-1")
    ]
    assert erasure.completed_requests(db.session, full.admin) == [full.request]
    assert erasure.completed_requests(db.session, full.admin_elsewhere) == []


def test_a_second_open_request_never_scrubs_the_tombstones_own_name(full: Full) -> None:
    """Two requests open (two tabs, a race): the second closes without erasing again, so it
    never takes "Erased client" for the client's name and scrubs those words from the notes."""
    extra = ErasureRequest(client_id=full.client.id, requested_at=NOW)
    db.session.add(extra)
    db.session.commit()
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    note_before = {n.id: n.treatment for n in notes_of(full.client)}
    erasure.complete(db.session, extra, full.admin, NOW)
    db.session.commit()
    assert extra.status is ErasureStatus.COMPLETED
    assert {n.id: n.treatment for n in notes_of(full.client)} == note_before
    assert full.client.name == f"Erased client #{full.client.id}"
    erase_rows = select(func.count()).where(AuditEvent.action == "erase")
    assert db.session.scalar(erase_rows) == 1


def notes_of(client: User) -> list[SessionNote]:
    db.session.expire_all()
    return list(db.session.scalars(select(SessionNote).where(SessionNote.client_id == client.id)))


def test_the_review_counts_what_goes_and_what_stays(full: Full) -> None:
    counted = erasure.inventory(db.session, full.client, NOW)
    erased = dict(counted.erased)
    kept = dict(counted.kept)
    assert erased["Diary entries"] == 1
    assert erased["Exercise logs"] == 1
    assert erased["Activities they rate"] == 1
    assert erased["Weekly activity scores"] == 1
    assert erased["Phones signed up for reminders"] == 1
    assert erased["Reminders, sent and waiting"] == 2
    assert erased["Sign-in attempts under their email"] == 2
    assert erased["Visits booked or cancelled that did not take place"] == 4
    assert kept["Session notes"] == 1
    assert kept["Visits that took place or were missed"] == 1
    assert kept["Phase changes"] == 2
    assert kept["Red-flag screens"] == 1
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    after = erasure.inventory(db.session, full.client, NOW)
    assert all(count == 0 for _label, count in after.erased)
    assert after.kept == counted.kept


# --- Afterwards: nobody reaches the tombstone ---------------------------------------------------


def test_the_tombstone_can_never_sign_in_and_its_sessions_are_gone(full: Full, app: Flask) -> None:
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == full.client.id))
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == full.client.id)) == 0
    throttle = auth.Throttle.from_config(app.config)
    for email in ("pip.qa@example.test", full.client.email):
        signed = auth.authenticate(
            db.session,
            email,
            "correct horse battery",
            address="203.0.113.9",
            now=NOW,
            throttle=throttle,
            hash_profile="cheapest",
        )
        assert signed.user is None
    db.session.rollback()


def test_nobody_sees_the_tombstone_in_any_list(full: Full) -> None:
    client = full.client
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    for user in (full.admin, full.massage, full.physio, full.admin_elsewhere):
        assert client.id not in set(db.session.scalars(policy.visible_clients(user)))
        assert not policy.may(user, "view", client)
    assert not policy.may(client, "view", client)
    assert all(plan.active is False for plan in client.care_plans)


def test_reminder_planning_plans_nothing_and_makes_no_settings_for_the_tombstone(
    full: Full,
) -> None:
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    for hours in range(0, 24 * 8, 6):  # every reminder kind's moment over a week
        planning.plan(db.session, NOW.replace(hour=0) + timedelta(hours=hours))
    db.session.commit()
    assert (
        db.session.scalar(select(func.count()).where(Delivery.recipient_id == full.client.id)) == 0
    )
    assert db.session.get(ReminderSettings, full.client.id) is None


# --- Pseudonymising free text -------------------------------------------------------------------


def test_name_parts_are_the_whole_name_its_words_and_the_parts_of_hyphenated_ones() -> None:
    assert erasure.name_parts("  Siobhán  O'Neill-Ng ") == [
        "Siobhán O'Neill-Ng",
        "O'Neill-Ng",
        "Siobhán",
        "Neill",
        "Ng",
    ]
    assert erasure.name_parts("Jo J. Li") == ["Jo J. Li", "Jo", "Li"]


def test_the_name_is_replaced_as_whole_words_in_any_case_and_nowhere_else() -> None:
    client = User(name="Ann Marsh", email="ann.marsh@example.test", role=Role.CLIENT)
    pattern = erasure.name_pattern(client)
    scrub = erasure.scrub
    assert scrub("ANN MARSH said Ann's marsh walk hurt", pattern) == (
        "[client] said [client]'s [client] walk hurt"
    )
    assert scrub("Annual review; Marshall's test", pattern) == "Annual review; Marshall's test"
    assert scrub("mail ann.marsh@example.test today", pattern) == "mail [client] today"
    assert scrub(["Ann", {"who": "Marsh", "score": 3}], pattern) == [
        "[client]",
        {"who": "[client]", "score": 3},
    ]
    assert scrub("[client] again", pattern) == "[client] again"
