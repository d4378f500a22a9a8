"""Sending through the real local sinks: an SMTP server and a Web Push service, no mocks.

Every test runs whole reminders passes (``services.send_due``) against aiosmtpd and a push
service that checks VAPID and decrypts; what arrives there is what a person would get.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time as clock
import traceback
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from py_vapid import Vapid
from sqlalchemy import select

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.reminders.sinks import Browser
from tests.reminders.sinks import PushSink
from tests.reminders.sinks import SmtpSink
from tests.reminders.sinks import free_port
from webapp import localtime
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import AppointmentKind
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import Delivery
from webapp.models import DeliveryStatus
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import Exercise
from webapp.models import PushSubscription
from webapp.models import User
from webapp.pathway.content import condition_label
from webapp.programmes import services as programmes
from webapp.programmes.services import Dose
from webapp.reminders import channels
from webapp.reminders import keys
from webapp.reminders import messages
from webapp.reminders import planning
from webapp.reminders import services
from webapp.sessions import booking

BASE_URL = "https://continuum.example"
CONTACT = "mailto:reminders@continuum.invalid"
LONDON = "Europe/London"
LEASE = timedelta(minutes=5)
PLANS_START = datetime(2026, 10, 1, 9, tzinfo=UTC)  # gen_client starts each plan on 1 Oct 2026
NUDGE_DAY = date(2026, 10, 4)  # three days on with no diary entry: a diary nudge is due
TUESDAY = date(2026, 10, 6)  # no nudge, no digest in the afternoon: only what a test sets up
PROJECT = Path(__file__).resolve().parents[2]

SENT = DeliveryStatus.SENT
PENDING = DeliveryStatus.PENDING
SKIPPED = DeliveryStatus.SKIPPED
FAILED = DeliveryStatus.FAILED


# --- Helpers -------------------------------------------------------------------------------------


@dataclass
class Clinic:
    centre: Centre
    massage: User
    physio: User

    @property
    def team(self) -> list[User]:
        return [self.massage, self.physio]


@pytest.fixture
def clinic(app: Flask) -> Clinic:
    centre = gen_centre("Islington", LONDON)
    clinic = Clinic(
        centre,
        gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor"),
        gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel"),
    )
    db.session.commit()
    return clinic


@pytest.fixture
def exercises(app: Flask) -> None:
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    db.session.commit()


def local(day: date, wall: str, zone: str = LONDON) -> datetime:
    return localtime.to_utc(day, time.fromisoformat(wall), zone)


def make_client(
    clinic: Clinic,
    *,
    email: bool = True,
    push: bool = False,
    times: tuple[str, ...] = ("14:00",),
    days: tuple[int, ...] = tuple(range(7)),
    **kwargs: Any,
) -> User:
    """A signed-up client in London who has chosen their reminders."""
    client = gen_client(clinic.centre, clinic.team, now=PLANS_START, **kwargs)
    settings = planning.settings_for(db.session, client)
    settings.by_email, settings.by_push = email, push
    settings.exercise_times, settings.exercise_days = list(times), list(days)
    db.session.flush()
    return client


def give_programme(client: User, by: User, *exercise_ids: str) -> None:
    """Prescribe exercises done several times a day, so some are always due today."""
    programme = programmes.programme_for(db.session, client, client.active_care_plan)
    for exercise_id in exercise_ids:
        exercise = db.session.get(Exercise, exercise_id)
        assert exercise is not None and exercise.times_per_day
        programmes.prescribe(
            db.session,
            programme,
            exercise,
            dose=Dose.of(exercise),
            note="",
            reason="Start",
            by=by,
            now=PLANS_START,
        )
    db.session.flush()


def subscribe(client: User, browser: Browser) -> None:
    services.subscribe(db.session, client, browser.endpoint, browser.p256dh, browser.auth_b64)


def pass_settings(
    vapid: dict[str, str], smtp_url: str = "", lease: timedelta = LEASE
) -> services.Settings:
    return services.Settings(
        base_url=BASE_URL,
        smtp_url=smtp_url,
        mail_from="Continuum <reminders@continuum.invalid>",
        vapid_private_key=vapid["private"],
        vapid_contact=CONTACT,
        lease=lease,
    )


def run(
    now: datetime, vapid: dict[str, str], smtp: SmtpSink | None = None, **kwargs: Any
) -> services.Tally:
    """One whole pass on the test's own session, as the clock would run it."""
    db.session.commit()
    return services.send_due(
        db.session, now, pass_settings(vapid, smtp.url if smtp else "", **kwargs)
    )


def deliveries(**where: Any) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).filter_by(**where).order_by(Delivery.id)))


def message_id(delivery: Delivery) -> str:
    return f"<delivery-{delivery.id}@continuum.invalid>"


def assert_no_clinical_detail(texts: list[str], *clinical: str) -> None:
    """SECURITY.md D5: no condition, exercise, pain word or score in what a lock screen shows."""
    assert texts
    for text in texts:
        for phrase in clinical:
            assert phrase.lower() not in text.lower(), (phrase, text)
        assert not re.search(r"\bpain\b", text, re.IGNORECASE), text
        assert not re.search(r"\b[79]\b", text), text  # the diary's pain scores below


# --- 1. Email ------------------------------------------------------------------------------------


def test_an_email_reminder_arrives_at_the_clients_local_time_and_says_nothing_clinical(
    app: Flask, clinic: Clinic, exercises: None, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    client = make_client(clinic, name="Alex Morgan", condition=Condition.NECK_SHOULDER)
    give_programme(client, clinic.physio, "N2", "S3")
    db.session.add(
        DiaryEntry(
            client_entry_id=str(uuid.uuid4()),
            client_id=client.id,
            kind=EntryKind.CHECKIN,
            local_date=date(2026, 10, 1),
            recorded_at=PLANS_START,
            timezone=LONDON,
            utc_offset_minutes=60,
            pain_now=7,
            pain_worst=9,
            areas=["neck", "shoulder_right"],
            notes="Neck pain worse after the commute",
        )
    )
    booking.book(
        db.session,
        client,
        booking.Team(clinic.massage, clinic.physio).visit(AppointmentKind.COMBINED),
        day=date(2026, 10, 5),
        clock=time(14, 0),
        by=clinic.physio,
        request_key=str(uuid.uuid4()),
        now=PLANS_START,
    )

    # 13:59 in London: the 14:00 reminders are not due yet.
    run(local(NUDGE_DAY, "13:59"), vapid, smtp)
    assert smtp.mails == []
    assert deliveries() == []

    tally = run(local(NUDGE_DAY, "14:01"), vapid, smtp)
    rows = {d.kind: d for d in deliveries()}
    assert set(rows) == {"exercise", "diary_nudge", "appointment_24h"}
    assert all(d.channel == "email" and d.status is SENT for d in rows.values())
    assert rows["exercise"].due_at == local(NUDGE_DAY, "14:00")
    assert (tally.sent, tally.skipped, tally.failed) == (3, 0, 0)

    by_id = {mail.message_id: mail for mail in smtp.mails}
    assert len(smtp.mails) == len(by_id) == 3
    assert set(by_id) == {message_id(d) for d in rows.values()}
    links = {"exercise": "/today", "diary_nudge": "/diary/checkin", "appointment_24h": "/sessions"}
    for kind, path in links.items():
        mail = by_id[message_id(rows[kind])]
        assert mail.to == [client.email]
        assert mail.subject == "Continuum"
        assert f"Open Continuum: {BASE_URL}{path}\r\n" in mail.body  # SMTP's line ends
    assert by_id[message_id(rows["exercise"])].body.startswith(messages.EXERCISE.body)
    assert "Mon 5 Oct at 14:00 at Islington" in by_id[message_id(rows["appointment_24h"])].body

    texts = [m.body for m in smtp.mails] + [m.subject for m in smtp.mails]
    texts += [d.outcome for d in rows.values()]
    assert_no_clinical_detail(
        [t for t in texts if t],
        condition_label(Condition.NECK_SHOULDER),
        "Chin tuck",
        "Shoulder-blade",
        "neck",
        "shoulder",
        "commute",
    )

    # Another pass a little later sends nothing again.
    run(local(NUDGE_DAY, "14:30"), vapid, smtp)
    assert len(smtp.mails) == 3


# --- 2. Web Push ---------------------------------------------------------------------------------


def test_a_push_arrives_signed_and_encrypted_for_the_phone(
    app: Flask, clinic: Clinic, exercises: None, push: PushSink, vapid: dict[str, str]
) -> None:
    client = make_client(clinic, email=False, push=True, condition=Condition.LOW_BACK)
    give_programme(client, clinic.physio, "N2")
    phone = push.browser(server_key=vapid["public"])
    subscribe(client, phone)

    run(local(TUESDAY, "14:01"), vapid)

    [row] = deliveries()
    assert (row.kind, row.channel, row.status) == ("exercise", "push", SENT)
    assert push.refused == []
    [got] = push.received
    assert got.browser == phone.name
    assert got.topic == f"d{row.id}"
    assert got.subject == CONTACT
    assert got.payload == {
        "title": "Continuum",
        "body": messages.EXERCISE.body,
        "url": f"{BASE_URL}/today",
    }
    assert_no_clinical_detail(
        [got.payload["title"], got.payload["body"]], condition_label(Condition.LOW_BACK), "Chin"
    )


def _vapid_header(private_key: str, claims: dict[str, Any]) -> str:
    return str(Vapid.from_string(private_key=private_key).sign(claims)["Authorization"])


def _post(url: str, authorization: str) -> int:
    request = urllib.request.Request(
        url,
        data=b"not even encrypted",
        headers={"Authorization": authorization, "Content-Encoding": "aes128gcm", "TTL": "60"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def test_the_push_sink_refuses_tokens_it_cannot_trust(
    push: PushSink, vapid: dict[str, str]
) -> None:
    """The sink really checks: another key, a forged signature, another audience, expiry."""
    phone = push.browser(server_key=vapid["public"])
    subscription = channels.Subscription(1, phone.endpoint, phone.p256dh, phone.auth_b64)
    other = keys.generate()

    def send(private_key: str, delivery_id: int) -> channels.Outcome:
        return channels.push(
            subscription,
            messages.EXERCISE,
            delivery_id=delivery_id,
            base_url=BASE_URL,
            private_key=private_key,
            contact=CONTACT,
        )

    # A well-formed token from a key the browser did not subscribe with.
    assert send(other["private"], 1) == channels.Outcome("retry", "push answered 403")
    # A token signed by another key that claims to be ours.
    soon = int(clock.time()) + 600
    forged = _vapid_header(other["private"], {"aud": push.origin, "exp": soon, "sub": CONTACT})
    forged = re.sub(r"k=[\w-]+", f"k={vapid['public']}", forged)
    assert _post(phone.endpoint, forged) == 401
    # Our key, but a token meant for another push service, or out of date.
    elsewhere = {"aud": "https://push.elsewhere.example", "exp": soon, "sub": CONTACT}
    assert _post(phone.endpoint, _vapid_header(vapid["private"], elsewhere)) == 401
    stale = {"aud": push.origin, "exp": int(clock.time()) - 60, "sub": CONTACT}
    assert _post(phone.endpoint, _vapid_header(vapid["private"], stale)) == 401

    assert push.received == []
    assert push.refused == [
        "VAPID key is not the one the browser subscribed with",
        "bad VAPID signature",
        "wrong audience https://push.elsewhere.example",
        "expired VAPID token",
    ]
    # And the right key gets through.
    assert send(vapid["private"], 2) == channels.SENT
    assert [p.topic for p in push.received] == ["d2"]


# --- 3. Gone subscriptions -----------------------------------------------------------------------


def test_a_subscription_answered_404_or_410_is_removed_and_the_others_still_get_it(
    app: Flask, clinic: Clinic, exercises: None, push: PushSink, vapid: dict[str, str]
) -> None:
    several = make_client(clinic, email=False, push=True)
    gone_410, live, gone_404 = push.browser(answer=410), push.browser(), push.browser(answer=404)
    for browser in (gone_410, live, gone_404):
        subscribe(several, browser)
    only_410 = make_client(clinic, email=False, push=True)
    subscribe(only_410, push.browser(answer=410))
    only_404 = make_client(clinic, email=False, push=True)
    subscribe(only_404, push.browser(answer=404))
    for client in (several, only_410, only_404):
        give_programme(client, clinic.physio, "N2")
    db.session.commit()
    subscription_of = {
        user_id: sub_id
        for sub_id, user_id in db.session.execute(
            select(PushSubscription.id, PushSubscription.user_id)
        )
    }

    # Two reminders each, in the same batch: the exercise one and a diary nudge.
    run(local(NUDGE_DAY, "14:01"), vapid)

    rows = deliveries(recipient_id=several.id)
    assert [(d.kind, d.status) for d in rows] == [("diary_nudge", SENT), ("exercise", SENT)]
    assert [(p.browser, p.topic) for p in push.received] == [(live.name, f"d{d.id}") for d in rows]
    left = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert left == [live.endpoint]

    for client, answer in ((only_410, 410), (only_404, 404)):
        first, second = deliveries(recipient_id=client.id)
        assert (first.status, first.attempts) == (second.status, second.attempts) == (FAILED, 1)
        # The outcome names the answer (and the subscription), never the message.
        assert first.outcome == f"push subscription {subscription_of[client.id]} answered {answer}"
        assert second.outcome == "no push subscription"

    # The next day the subscriptions that went are not tried again.
    run(local(NUDGE_DAY + timedelta(days=1), "14:01"), vapid)
    assert len(deliveries(recipient_id=only_410.id)) == len(deliveries(recipient_id=only_404.id))
    assert len(deliveries(recipient_id=only_404.id)) == 2
    assert [p.browser for p in push.received] == [live.name] * 3


# --- 4. Temporary failures -----------------------------------------------------------------------


def test_a_temporary_failure_is_retried_with_backoff_then_sent_once_or_given_up(
    app: Flask,
    clinic: Clinic,
    exercises: None,
    push: PushSink,
    smtp: SmtpSink,
    vapid: dict[str, str],
) -> None:
    flaky = make_client(clinic, email=False, push=True)
    flaky_phone = push.browser(answer=500)
    subscribe(flaky, flaky_phone)
    down = make_client(clinic, email=False, push=True)
    subscribe(down, push.browser(answer=503))
    mailer = make_client(clinic, email=True)
    for client in (flaky, down, mailer):
        give_programme(client, clinic.physio, "N2")
    now = local(TUESDAY, "14:01")

    # First the mail server is not even there, then it says "later", then it takes the mail.
    nobody = f"smtp://127.0.0.1:{free_port()}"
    db.session.commit()
    tally = services.send_due(db.session, now, pass_settings(vapid, nobody))
    assert (tally.sent, tally.retried) == (0, 3)
    [flaky_row] = deliveries(recipient_id=flaky.id)
    [mail_row] = deliveries(recipient_id=mailer.id)
    assert (flaky_row.status, flaky_row.attempts) == (PENDING, 1)
    assert flaky_row.next_attempt_at == now + timedelta(minutes=2)
    assert flaky_row.outcome == "push answered 500"
    assert (mail_row.status, mail_row.attempts) == (PENDING, 1)
    assert mail_row.outcome == "smtp failed: ConnectionRefusedError"

    # Not yet time for the retry: nothing happens.
    run(now + timedelta(minutes=1), vapid, smtp)
    assert deliveries(recipient_id=flaky.id)[0].attempts == 1

    smtp.answer = "451 4.3.0 Try again later"
    run(now + timedelta(minutes=2), vapid, smtp)
    [flaky_row] = deliveries(recipient_id=flaky.id)
    [mail_row] = deliveries(recipient_id=mailer.id)
    assert (flaky_row.status, flaky_row.attempts) == (PENDING, 2)
    assert flaky_row.next_attempt_at == now + timedelta(minutes=2 + 4)
    assert (mail_row.status, mail_row.attempts, mail_row.outcome) == (
        PENDING,
        2,
        "smtp failed: SMTPDataError",
    )

    # Both recover: each reminder goes out once.
    flaky_phone.answer = 201
    smtp.answer = "250 OK"
    run(now + timedelta(minutes=6), vapid, smtp)
    [flaky_row] = deliveries(recipient_id=flaky.id)
    [mail_row] = deliveries(recipient_id=mailer.id)
    assert (flaky_row.status, mail_row.status) == (SENT, SENT)
    assert [p.topic for p in push.received] == [f"d{flaky_row.id}"]
    assert [m.message_id for m in smtp.mails] == [message_id(mail_row)]

    # The endpoint that stays down: retried after 2, 4, 8 and 16 minutes, then given up.
    attempts_at = [now, now + timedelta(minutes=2), now + timedelta(minutes=6)]
    while (row := deliveries(recipient_id=down.id)[0]).status is PENDING:
        attempts_at.append(row.next_attempt_at)
        run(row.next_attempt_at, vapid, smtp)
    gaps = [(b - a) / timedelta(minutes=1) for a, b in pairwise(attempts_at)]
    assert gaps == [2, 4, 8, 16]
    assert (row.status, row.attempts, row.outcome) == (
        FAILED,
        services.MAX_ATTEMPTS,
        "push answered 503",
    )
    run(now + timedelta(hours=2), vapid, smtp)
    assert len(push.received) == len(smtp.mails) == 1


def test_a_mail_server_that_refuses_a_recipient_for_now_is_tried_again(
    app: Flask, clinic: Clinic, exercises: None, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    """450 to RCPT (greylisting) is temporary; 550 is final."""
    client = make_client(clinic, email=True)
    give_programme(client, clinic.physio, "N2")
    now = local(TUESDAY, "14:01")

    smtp.rcpt_answer = "450 4.7.1 Greylisted, try again later"
    run(now, vapid, smtp)
    [row] = deliveries()
    assert (row.status, row.attempts) == (PENDING, 1)
    assert row.outcome == "smtp answered 450 for the address"

    smtp.rcpt_answer = "250 OK"
    run(row.next_attempt_at, vapid, smtp)
    assert deliveries()[0].status is SENT
    assert [m.message_id for m in smtp.mails] == [message_id(row)]

    smtp.rcpt_answer = "550 5.1.1 No such mailbox"
    run(local(TUESDAY + timedelta(days=1), "14:01"), vapid, smtp)
    [_, refused] = deliveries()
    assert (refused.status, refused.outcome) == (FAILED, "the mail server refused the address")
    assert len(smtp.mails) == 1


# --- 5. Two passes racing ------------------------------------------------------------------------


def test_two_passes_racing_deliver_every_reminder_exactly_once(
    app: Flask,
    clinic: Clinic,
    push: PushSink,
    smtp: SmtpSink,
    vapid: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small batches, so the two passes take turns claiming many times.
    monkeypatch.setattr(services, "CLAIM_BATCH", 4)
    claims: list[list[int]] = []
    real_claim = services.claim

    def claim(*args: Any) -> list[int]:  # the real claim, watched
        ids = real_claim(*args)
        claims.append(ids)
        return ids

    monkeypatch.setattr(services, "claim", claim)
    chosen = [make_client(clinic, email=True, push=True, times=("08:30",)) for _ in range(15)]
    # Clients who never opened their settings: the defaults (push at 08:30 and 18:30).
    defaults = [gen_client(clinic.centre, clinic.team, now=PLANS_START) for _ in range(15)]
    for client in chosen + defaults:
        subscribe(client, push.browser())
    db.session.commit()
    now = local(NUDGE_DAY, "08:31")  # diary nudges at 08:30, the therapists' digests at 07:30
    settings = pass_settings(vapid, smtp.url)

    start = threading.Barrier(2)
    tallies: list[services.Tally] = []
    errors: list[str] = []

    def one_pass() -> None:
        with app.app_context():
            try:
                start.wait()
                tallies.append(services.send_due(db.session, now, settings))
            except BaseException:
                errors.append(traceback.format_exc())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, "\n".join(errors)
    assert len(tallies) == 2
    print(
        "race: (planned, sent, skipped) per pass", [(t.planned, t.sent, t.skipped) for t in tallies]
    )
    # Each claim took one batch at most, and no row was claimed twice.
    assert max(len(ids) for ids in claims) == 4
    assert len(sum(claims, [])) == len(set(sum(claims, []))) == len(deliveries())

    sent = deliveries(status=SENT)
    expected = Counter({"diary_nudge": 15 * 2 + 15, "digest": 2})
    assert Counter(d.kind for d in sent) == expected
    assert sum(t.sent for t in tallies) == len(sent)
    assert deliveries(status=DeliveryStatus.SENDING) == deliveries(status=PENDING) == []
    # No programme, so the 08:30 exercise reminders were skipped, each once too.
    assert {d.kind for d in deliveries(status=SKIPPED)} == {"exercise"}
    assert sum(t.planned for t in tallies) == len(deliveries())

    mail_ids = Counter(m.message_id for m in smtp.mails)
    topics = Counter(p.topic for p in push.received)
    assert mail_ids == Counter(message_id(d) for d in sent if d.channel == "email")
    assert topics == Counter(f"d{d.id}" for d in sent if d.channel == "push")
    assert set(mail_ids.values()) == set(topics.values()) == {1}


# --- 6. A pass that dies after claiming ----------------------------------------------------------


def test_rows_claimed_by_a_pass_that_died_are_sent_once_after_the_lease(
    app: Flask,
    clinic: Clinic,
    smtp: SmtpSink,
    vapid: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "CLAIM_BATCH", 2)
    for _ in range(3):
        make_client(clinic, email=True, days=())  # a diary nudge each, by email
    now = local(NUDGE_DAY, "14:01")
    planning.plan(db.session, now)
    db.session.commit()
    claimed = services.claim(db.session, now, "dead-pass", LEASE)  # ... and then the process died
    assert claimed == [1, 2]  # one batch, not every due row
    [free] = deliveries(status=PENDING)

    # Straight away, and just before the lease runs out, another pass leaves them alone.
    tally = run(now, vapid, smtp)
    assert tally.sent == 1
    assert [m.message_id for m in smtp.mails] == [message_id(free)]
    tally = run(now + LEASE - timedelta(seconds=1), vapid, smtp)
    assert tally.sent == 0
    held = [d for d in deliveries() if d.id in claimed]
    assert {(d.status, d.claimed_by) for d in held} == {(DeliveryStatus.SENDING, "dead-pass")}

    tally = run(now + LEASE + timedelta(seconds=1), vapid, smtp)
    assert tally.sent == 2
    rows = deliveries()
    assert all(d.status is SENT and d.claimed_by != "dead-pass" for d in rows)
    assert sorted(m.message_id for m in smtp.mails) == sorted(message_id(d) for d in rows)

    run(now + 2 * LEASE, vapid, smtp)
    assert len(smtp.mails) == 3


# --- 7. kill -9 in the middle of a pass ----------------------------------------------------------


def _send_due(database_url: str, smtp: SmtpSink, now: datetime) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMTP_URL": smtp.url,
        "BASE_URL": BASE_URL,
        "CONTINUUM_ENV": "testing",
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "--app", "webapp", "reminders", "send-due", "--now", now.isoformat()],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_in_the_middle_of_a_pass_then_a_rerun_loses_nothing(
    app: Flask, clinic: Clinic, smtp: SmtpSink, database_url: str
) -> None:
    count = 200
    started = clock.monotonic()
    for _ in range(count):
        make_client(clinic, email=True, days=())  # only the diary nudge is due
    db.session.commit()
    now = local(NUDGE_DAY, "14:01")

    smtp.delay = 0.02
    made = clock.monotonic()
    first = _send_due(database_url, smtp, now)
    deadline = clock.monotonic() + 30
    while len(smtp.mails) < 40:
        assert first.poll() is None, first.communicate()
        assert clock.monotonic() < deadline, "the first pass sent too little"
        clock.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL
    clock.sleep(smtp.delay * 2)  # let the server finish the message it was taking
    before = len(smtp.mails)
    assert before < count
    assert deliveries(status=SENT)  # some were recorded as sent
    assert deliveries(status=DeliveryStatus.SENDING)  # and some were left claimed

    # The rerun comes after the killed pass's lease has run out.
    smtp.delay = 0
    killed = clock.monotonic()
    second = _send_due(database_url, smtp, now + LEASE + timedelta(seconds=1))
    out, err = second.communicate(timeout=60)
    rerun = clock.monotonic() - killed
    assert second.returncode == 0, err

    rows = deliveries()
    assert len(rows) == count and all(d.status is SENT for d in rows)
    arrived = Counter(m.message_id for m in smtp.mails)
    assert set(arrived) == {message_id(d) for d in rows}  # nothing lost
    duplicates = len(smtp.mails) - len(arrived)
    print(
        f"kill -9 after {before} of {count} mails; rerun: {out.strip()}; {duplicates} repeated;"
        f" {made - started:.1f} s to make the clients, {killed - made:.1f} s to the kill,"
        f" {rerun:.1f} s for the rerun"
    )
    # Each row is committed as sent straight after its send, so only a mail in flight at the
    # kill can go twice: the server had it (or had said 250) but the pass died before recording
    # it. It goes again with the same Message-ID, so a mail client shows it once. A pass sends
    # from one thread on SQLite (one writer), so at most one; on PostgreSQL from
    # REMINDER_WORKERS threads, so at most one per thread.
    senders = 1 if database_url.startswith("sqlite") else app.config.get("REMINDER_WORKERS", 1)
    assert duplicates <= senders
    assert all(n <= 2 for n in arrived.values())


# --- 8. The client says stop ---------------------------------------------------------------------


def test_stopping_or_pausing_holds_back_every_reminder_from_the_next_pass(
    app: Flask,
    clinic: Clinic,
    exercises: None,
    push: PushSink,
    smtp: SmtpSink,
    vapid: dict[str, str],
) -> None:
    stops = make_client(clinic, email=True, push=True)
    pauses = make_client(clinic, email=True, push=True)
    for client in (stops, pauses):
        subscribe(client, push.browser())
        give_programme(client, clinic.physio, "N2")
        booking.book(
            db.session,
            client,
            booking.Team(clinic.massage, clinic.physio).visit(AppointmentKind.MASSAGE),
            day=TUESDAY + timedelta(days=1),
            clock=time(14, 0) if client is stops else time(15, 0),
            by=clinic.physio,
            request_key=str(uuid.uuid4()),
            now=PLANS_START,
        )
    now = local(TUESDAY, "14:01")
    # A change to the programme an hour ago: "your programme has changed" is due too.
    programme = programmes.programme_of(db.session, pauses)
    assert programme is not None
    programmes.prescribe(
        db.session,
        programme,
        db.session.get(Exercise, "S3"),  # type: ignore[arg-type]
        dose=Dose.of(db.session.get(Exercise, "S3")),  # type: ignore[arg-type]
        note="",
        reason="Progress",
        by=clinic.physio,
        now=now - timedelta(hours=1),
    )
    db.session.commit()
    planning.plan(db.session, now)
    db.session.commit()
    planned = deliveries()
    assert {d.kind for d in planned if d.recipient_id == stops.id} == {
        "exercise",
        "appointment_24h",
    }
    assert {d.kind for d in planned if d.recipient_id == pauses.id} == {
        "exercise",
        "programme_changed",
    }
    assert all(d.status is PENDING for d in planned)

    def choose(client: User, enabled: bool, pause: str) -> None:
        services.save_choices(
            db.session,
            client,
            services.Choices(
                enabled=enabled,
                times=["14:00"],
                days=list(range(7)),
                by_push=True,
                by_email=True,
                quiet_start="21:00",
                quiet_end="08:00",
                pause=pause,
            ),
            now,
        )

    choose(stops, enabled=False, pause="")
    choose(pauses, enabled=True, pause="2")  # today and tomorrow
    tally = run(now, vapid, smtp)

    assert (tally.sent, tally.skipped) == (0, len(planned))
    reasons = {d.recipient_id: d.outcome for d in deliveries(status=SKIPPED)}
    assert reasons == {
        stops.id: "reminders stopped by the client",
        pauses.id: "paused by the client",
    }
    assert (smtp.mails, push.received) == ([], [])

    # Tomorrow: nothing at all for the client who stopped; the paused one is still paused.
    tomorrow = local(TUESDAY + timedelta(days=1), "14:01")
    run(tomorrow, vapid, smtp)
    assert [d.status for d in deliveries() if d.recipient_id == stops.id] == [SKIPPED] * 4
    assert all(d.status is SKIPPED for d in deliveries())
    assert (smtp.mails, push.received) == ([], [])

    # The day after, the pause is over: reminders come back for that client only.
    run(local(TUESDAY + timedelta(days=2), "14:01"), vapid, smtp)
    assert {m.to[0] for m in smtp.mails} == {pauses.email}
    assert len(push.received) == 1


def test_a_slow_pass_gives_back_what_it_cannot_send_within_its_lease(
    app: Flask, clinic: Clinic, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    """A pass never holds a row near the end of its lease, so no other pass takes a row it is
    still sending: what it has not reached goes back to pending for the next pass."""
    for _ in range(6):
        make_client(clinic, email=True, days=())
    now = local(NUDGE_DAY, "14:01")
    smtp.delay = 0.2
    lease = timedelta(seconds=0.5)  # 80 %: room for about two slow mails
    tally = run(now, vapid, smtp, lease=lease)
    assert 1 <= tally.sent < 6
    waiting = deliveries(status=PENDING)
    assert len(waiting) == 6 - tally.sent
    assert all(d.claimed_by is None for d in waiting)
    smtp.delay = 0
    run(now + timedelta(minutes=1), vapid, smtp, lease=LEASE)
    assert all(d.status is SENT for d in deliveries())
    assert len(smtp.mails) == len({m.message_id for m in smtp.mails}) == 6
