"""The access policy: unit tests, and every route requested as every kind of user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask import current_app
from flask.testing import FlaskClient

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from webapp import policy
from webapp.careteam import services as careteam
from webapp.diary import services as diary
from webapp.erasure import services as erasure
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import AppointmentKind
from webapp.models import Discipline
from webapp.models import Exercise
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.programmes import services as programmes
from webapp.sessions import booking

TARGET_NAME = "Tess Targetclient"


@dataclass
class World:
    target: User
    users: dict[str, User]
    centre_a_id: int
    prescription_id: int
    entry_id: str
    activity_id: int
    alert_id: int
    appointment_id: int
    note_id: int
    referral_id: int
    erasure_request_id: int = 0


def build_world() -> World:
    a = gen_centre("North Centre", "Europe/London")
    b = gen_centre("Harbour Centre", "Australia/Sydney")
    massage_team = gen_therapist(a, Discipline.MASSAGE)
    physio_team = gen_therapist(a, Discipline.PHYSIO)
    therapist_not_team = gen_therapist(a, Discipline.MASSAGE)
    physio_a2 = gen_therapist(a, Discipline.PHYSIO)
    massage_b = gen_therapist(b, Discipline.MASSAGE)
    therapist_other_centre = gen_therapist(b, Discipline.PHYSIO)
    target = gen_client(a, [massage_team, physio_team], name=TARGET_NAME)
    users = {
        "client_self": target,
        "client_other": gen_client(a, [therapist_not_team, physio_a2]),
        "massage_team": massage_team,
        "physio_team": physio_team,
        "therapist_not_team": therapist_not_team,
        "therapist_other_centre": therapist_other_centre,
        "admin_same": gen_user(Role.ADMIN, [a]),
        "admin_other": gen_user(Role.ADMIN, [b]),
        "client_other_centre": gen_client(b, [massage_b, therapist_other_centre]),
    }
    library.load(db.session, Path(current_app.config["EXERCISES_DIR"]))
    programme = programmes.programme_for(db.session, target, target.active_care_plan)
    rx = programmes.prescribe(
        db.session,
        programme,
        db.session.get(Exercise, "N2"),
        dose=programmes.Dose.of(db.session.get(Exercise, "N2")),
        note="",
        reason="Start",
        by=physio_team,
        now=now_utc(),
    )
    db.session.flush()
    entry, _ = programmes.log_exercise(
        db.session,
        target,
        rx,
        client_entry_id=str(uuid.uuid4()),
        now=now_utc(),
        timezone="Europe/London",
    )
    activity = diary.add_activity(
        db.session, target, "Carry shopping", by=physio_team, now=now_utc()
    )
    _screen, alert = diary.record_weekly(
        db.session, target, scores={}, ticked=["fever"], today=date.today(), now=now_utc()
    )
    tomorrow = date.today() + timedelta(days=2)
    appointment = booking.book(
        db.session,
        target,
        booking.Team(massage=massage_team, physio=physio_team).visit(AppointmentKind.COMBINED),
        day=tomorrow,
        clock=time(10, 0),
        by=users["admin_same"],
        request_key=str(uuid.uuid4()),
        now=now_utc(),
    )
    note = careteam.write_note(
        db.session,
        target,
        physio_team,
        careteam.NoteText(treatment="Neck mobilisation", client_summary="We loosened your neck"),
        appointment=None,
        request_key=str(uuid.uuid4()),
        now=now_utc(),
    )
    referral = careteam.refer(
        db.session,
        target,
        massage_team,
        careteam.ReferralText(reason="Tingling in the hand", body_region="neck", urgency="soon"),
        request_key=str(uuid.uuid4()),
        now=now_utc(),
    )
    # The target has asked to be erased; nobody carries it out in the walks (no box ticked).
    erasure_request = erasure.request_erasure(db.session, target, now_utc())
    db.session.commit()
    return World(
        target,
        users,
        a.id,
        rx.id,
        entry.client_entry_id,
        activity.id,
        alert.id,
        appointment.id,
        note.id,
        referral.id,
        erasure_request.id,
    )


ACTORS = [
    "anon",
    "client_self",
    "client_other",
    "massage_team",
    "physio_team",
    "therapist_not_team",
    "therapist_other_centre",
    "admin_same",
    "admin_other",
    "client_other_centre",
]
CLIENTS = {"client_self", "client_other", "client_other_centre"}
THERAPISTS = {"massage_team", "physio_team", "therapist_not_team", "therapist_other_centre"}
ADMINS = {"admin_same", "admin_other"}
SIGNED_IN = CLIENTS | THERAPISTS | ADMINS
# Who may see the target client's record at all; nobody else may find their name anywhere.
MAY_SEE_TARGET = {"client_self", "massage_team", "physio_team", "admin_same"}

LOGIN = 302  # anonymous users are sent to sign in


def cells(anon: int, **by_group: int) -> dict[str, int]:
    """Expand an expectation per group (clients, therapists, admins) or per actor."""
    table = {"anon": anon}
    groups = {"clients": CLIENTS, "therapists": THERAPISTS, "admins": ADMINS}
    for key, status in by_group.items():
        if key in groups:
            table.update(dict.fromkeys(groups[key], status))
    for key, status in by_group.items():
        if key not in groups:
            table[key] = status
    return table


def team(status: int) -> dict[str, int]:
    """Only the target's care team may change their programme."""
    return cells(
        LOGIN, clients=403, admins=403, therapists=404, massage_team=status, physio_team=status
    )


def staff(status: int, admin: int | None = None) -> dict[str, int]:
    """The target's care team and their centre's admins (who book visits)."""
    return cells(
        LOGIN,
        clients=403,
        therapists=404,
        massage_team=status,
        physio_team=status,
        admin_same=status if admin is None else admin,
        admin_other=404,
    )


def own(status: int) -> dict[str, int]:
    """Only the target themselves may do and log their exercises."""
    return cells(LOGIN, clients=404, therapists=403, admins=403, client_self=status)


# Every (endpoint, method) in the app, with the answer each actor must get.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("static", "GET"): cells(200, clients=200, therapists=200, admins=200),
    ("health.healthz", "GET"): cells(200, clients=200, therapists=200, admins=200),
    ("pwa.manifest", "GET"): cells(200, clients=200, therapists=200, admins=200),
    ("auth.login", "GET"): cells(200, clients=302, therapists=302, admins=302),
    ("auth.login", "POST"): cells(422, clients=302, therapists=302, admins=302),
    ("auth.logout", "POST"): cells(LOGIN, clients=302, therapists=302, admins=302),
    # A forged invitation token: the same clear "not recognised" page for everyone.
    ("auth.accept_invitation", "GET"): cells(404, clients=404, therapists=404, admins=404),
    ("auth.accept_invitation", "POST"): cells(404, clients=404, therapists=404, admins=404),
    ("pathway.home", "GET"): cells(LOGIN, clients=302, therapists=302, admins=302),
    ("pathway.today", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("pathway.timeline", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("pathway.client", "GET"): cells(
        LOGIN,
        clients=403,
        therapists=404,
        massage_team=200,
        physio_team=200,
        admin_same=200,
        admin_other=404,
    ),
    ("pathway.change_phase", "POST"): cells(
        LOGIN, clients=403, admins=403, therapists=404, massage_team=422, physio_team=422
    ),
    ("caseload.index", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    ("admin.index", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("admin.new_client", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("admin.new_client", "POST"): cells(LOGIN, clients=403, therapists=403, admins=422),
    ("admin.care_team_options", "GET"): cells(
        LOGIN, clients=403, therapists=403, admin_same=200, admin_other=404
    ),
    # The exercise library: therapists browse it; its drawings are public.
    ("library.index", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    ("library.exercise", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    ("library.illustration", "GET"): cells(200, clients=200, therapists=200, admins=200),
    # The target's programme: their care team changes it, their centre's admin reads it.
    ("programmes.programme", "GET"): cells(
        LOGIN,
        clients=403,
        therapists=404,
        massage_team=200,
        physio_team=200,
        admin_same=200,
        admin_other=404,
    ),
    ("programmes.start_from_template", "POST"): team(302),
    ("programmes.add", "GET"): team(200),
    ("programmes.add", "POST"): team(422),
    ("programmes.edit", "GET"): team(200),
    ("programmes.edit", "POST"): team(422),
    ("programmes.replace", "GET"): team(200),
    ("programmes.replace", "POST"): team(422),
    ("programmes.remove", "GET"): team(200),
    ("programmes.remove", "POST"): team(422),
    ("programmes.move", "POST"): team(302),
    # The client's own exercises and logs.
    ("programmes.exercise", "GET"): own(200),
    ("programmes.log", "POST"): own(400),  # an empty form: no entry id
    ("programmes.rate", "POST"): own(302),  # an empty rating changes nothing
    ("programmes.changes_seen", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    # The diary: each client their own; the sync endpoint answers in JSON, never a redirect.
    ("diary.history", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("diary.checkin", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("diary.checkin", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    ("diary.quick", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    ("diary.sync_entries", "POST"): cells(401, clients=400, therapists=403, admins=403),
    ("diary.weekly", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    # The target has an activity to rate, so an empty form comes back to them.
    ("diary.weekly", "POST"): cells(
        LOGIN, clients=302, client_self=422, therapists=403, admins=403
    ),
    ("diary.weekly_done", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("diary.review", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("diary.review", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    ("diary.psfs", "GET"): cells(
        LOGIN,
        clients=403,
        therapists=404,
        massage_team=200,
        physio_team=200,
        admin_same=200,
        admin_other=404,
    ),
    ("diary.psfs", "POST"): cells(
        LOGIN,
        clients=403,
        therapists=404,
        massage_team=422,
        physio_team=422,
        admin_same=403,
        admin_other=404,
    ),
    ("diary.retire_activity", "POST"): team(302),
    ("diary.acknowledge", "POST"): team(302),
    ("pwa.service_worker", "GET"): cells(200, clients=200, therapists=200, admins=200),
    ("pwa.offline", "GET"): cells(200, clients=200, therapists=200, admins=200),
    # The target has an account already, so their admin is told so (409).
    # Sessions: clients see their own; staff book; the private feed needs its secret.
    ("sessions.index", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("sessions.ics", "GET"): own(200),
    ("sessions.make_feed", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    ("sessions.stop_feed", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    ("sessions.feed", "GET"): cells(404, clients=404, therapists=404, admins=404),
    ("sessions.schedule", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    ("sessions.client_appointments", "GET"): staff(200),
    ("sessions.book", "GET"): staff(200),
    ("sessions.book", "POST"): staff(422),
    ("sessions.book_series", "GET"): staff(200),
    ("sessions.book_series", "POST"): staff(422),
    ("sessions.move", "GET"): staff(200),
    ("sessions.move", "POST"): staff(422),
    ("sessions.cancel", "GET"): staff(200),
    ("sessions.cancel", "POST"): staff(422),
    ("sessions.outcome", "POST"): staff(422),
    # Notes and referrals are the care team's alone: not even the centre's admin reads them.
    ("careteam.notes", "GET"): team(200),
    ("careteam.write_note", "GET"): team(200),
    ("careteam.write_note", "POST"): team(422),
    ("careteam.add_addendum", "POST"): team(422),
    ("careteam.refer", "GET"): team(200),
    ("careteam.refer", "POST"): team(422),
    # The pre-session brief carries notes, so it is the care team's too.
    ("brief.brief", "GET"): team(200),
    # Reminder settings and push subscriptions: each client their own.
    ("reminders.settings", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("reminders.settings", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    ("reminders.subscribe", "POST"): cells(LOGIN, clients=400, therapists=403, admins=403),
    ("reminders.unsubscribe", "POST"): cells(LOGIN, clients=400, therapists=403, admins=403),
    ("brief.progress", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("careteam.inbox", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    # The world's referral goes from massage to physio: only physio acknowledges it.
    ("careteam.acknowledge", "POST"): team(302) | {"massage_team": 403},
    # --- learn (issue #8) ---
    # Articles are written for clients, like every client-only page.
    ("learn.index", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("learn.article", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    # --- onboarding (issue #8) ---
    # --- sign-in (issue #9) ---
    # The second step needs a half-signed-in browser; without one it starts again at /login.
    ("auth.code", "GET"): cells(LOGIN, clients=302, therapists=302, admins=302),
    ("auth.code", "POST"): cells(LOGIN, clients=302, therapists=302, admins=302),
    ("auth.forgot_password", "GET"): cells(200, clients=200, therapists=200, admins=200),
    ("auth.forgot_password", "POST"): cells(422, clients=422, therapists=422, admins=422),
    ("auth.reset", "GET"): cells(404, clients=404, therapists=404, admins=404),
    ("auth.reset", "POST"): cells(404, clients=404, therapists=404, admins=404),
    ("auth.security", "GET"): cells(LOGIN, clients=200, therapists=200, admins=200),
    # Staff have two-step sign-in already (so set-up sends them back); the clients don't.
    ("auth.two_factor_setup", "GET"): cells(LOGIN, clients=200, therapists=302, admins=302),
    ("auth.two_factor_setup", "POST"): cells(LOGIN, clients=422, therapists=302, admins=302),
    ("auth.turn_off_two_factor", "POST"): cells(LOGIN, clients=422, therapists=422, admins=422),
    ("auth.new_recovery_codes", "POST"): cells(LOGIN, clients=302, therapists=422, admins=422),
    ("auth.sign_out_everywhere", "POST"): cells(LOGIN, clients=302, therapists=302, admins=302),
    ("onboarding.step", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("onboarding.done", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    # --- outcomes (issue #8) ---
    # Outcomes are aggregates: admins over their centres, therapists over their own caseload.
    ("outcomes.index", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("outcomes.csv", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("outcomes.mine", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    ("outcomes.mine_csv", "GET"): cells(LOGIN, clients=403, therapists=200, admins=403),
    # --- audit trail (issue #9) ---
    # Each client sees who on the staff opened their own record; admins search their centres'.
    ("audit.access", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("audit.trail", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("audit.trail_csv", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("admin.reissue_invitation", "POST"): cells(
        LOGIN, clients=403, therapists=403, admin_same=409, admin_other=404
    ),
    # privacy routes (consent and the data hub)
    ("privacy.index", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("privacy.decide", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    # export routes
    # Only a client downloads their own data; the empty form asks again for format and password.
    ("export.index", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("export.download", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    # erasure routes
    # A client asks (the empty form wants the password) or takes it back; their centre's
    # admins review and carry it out (the empty form lacks the ticked box).
    ("erasure.index", "GET"): cells(LOGIN, clients=200, therapists=403, admins=403),
    ("erasure.ask", "POST"): cells(LOGIN, clients=422, therapists=403, admins=403),
    ("erasure.withdraw", "POST"): cells(LOGIN, clients=302, therapists=403, admins=403),
    ("erasure.requests", "GET"): cells(LOGIN, clients=403, therapists=403, admins=200),
    ("erasure.review", "GET"): cells(
        LOGIN, clients=403, therapists=403, admin_same=200, admin_other=404
    ),
    ("erasure.review", "POST"): cells(
        LOGIN, clients=403, therapists=403, admin_same=422, admin_other=404
    ),
}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """List (endpoint, method, url) for every rule, filling in the world's ids."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def url_for_rule(app: Flask, rule, world: World) -> str:  # type: ignore[no-untyped-def]
    values = {
        "client_id": world.target.id,
        "step": 2,
        "token": "forged-token",
        "filename": "css/app.css",
        "exercise_id": "N1",
        "prescription_id": world.prescription_id,
        "entry_id": world.entry_id,
        "activity_id": world.activity_id,
        "alert_id": world.alert_id,
        "appointment_id": world.appointment_id,
        "note_id": world.note_id,
        "referral_id": world.referral_id,
        "request_id": world.erasure_request_id,
        "table": "attendance",
        "slug": "pain-as-a-guide",
    }
    with app.test_request_context():
        url = app.url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
    if rule.endpoint == "admin.care_team_options":
        url += f"?centre_id={world.centre_a_id}"
    return url


def http_for(app: Flask, actor: str, world: World) -> FlaskClient:
    http = app.test_client()
    if actor != "anon":
        response = login(http, world.users[actor])
        assert response.status_code == 302, f"{actor} could not sign in"
    return http


def test_every_route_is_classified_and_expected(app: Flask) -> None:
    for endpoint, method, _rule in routes(app):
        assert (endpoint, method) in EXPECTED, f"{method} {endpoint} is missing from EXPECTED"
        if endpoint != "static":
            view = app.view_functions[endpoint]
            assert getattr(view, "access", None), f"{endpoint} has no access classification"
    listed = {(e, m) for e, m, _ in routes(app)}
    assert set(EXPECTED) == listed, (
        f"EXPECTED names routes that don't exist: {set(EXPECTED) - listed}"
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_route_matrix(app: Flask, actor: str) -> None:
    world = build_world()
    failures = []
    for endpoint, method, rule in routes(app):
        expected = EXPECTED[(endpoint, method)][actor]
        http = http_for(app, actor, world)  # fresh per request: sign-out must not leak
        url = url_for_rule(app, rule, world)
        response = http.open(url, method=method)
        body = response.get_data(as_text=True)
        response.close()
        if response.status_code != expected:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected}")
        if response.status_code == 302 and expected == LOGIN and actor == "anon":
            if "/login" not in response.headers["Location"]:
                failures.append(f"{method} {url}: anonymous redirect went to {response.location}")
        if actor not in MAY_SEE_TARGET and endpoint != "static":
            if TARGET_NAME in body:
                failures.append(f"{method} {url}: leaked the target client's name to {actor}")
    assert not failures, "\n".join(failures)


def test_unclassified_route_is_refused(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()

    @app.get("/forgotten")
    def forgotten() -> str:
        return "secret"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data


def test_may_follows_the_care_team_and_centres(app: Flask) -> None:
    world = build_world()
    target = world.target
    expected_view = {actor: actor in MAY_SEE_TARGET for actor in ACTORS if actor != "anon"}
    for actor, allowed in expected_view.items():
        assert policy.may(world.users[actor], "view", target) is allowed, actor
    assert policy.may(world.users["massage_team"], "change_phase", target)
    assert not policy.may(world.users["admin_same"], "change_phase", target)
    assert not policy.may(world.users["client_self"], "change_phase", target)
    assert policy.may(world.users["admin_same"], "invite", target)
    assert not policy.may(world.users["massage_team"], "invite", target)


def test_visible_clients_agrees_with_may(app: Flask) -> None:
    world = build_world()
    everyone = list(db.session.scalars(db.select(User).where(User.role == Role.CLIENT)))
    for actor, user in world.users.items():
        visible = {c.id for c in db.session.scalars(policy.visible_clients(user))}
        allowed = {c.id for c in everyone if policy.may(user, "view", c)}
        assert visible == allowed, actor


def test_deactivated_therapist_loses_access(app: Flask) -> None:
    world = build_world()
    therapist = world.users["massage_team"]
    therapist.active = False
    db.session.commit()
    assert not policy.may(therapist, "view", world.target)
