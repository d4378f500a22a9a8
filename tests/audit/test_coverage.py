"""Every route is either audited, with the kind of record it touches, or declared free of
health data: an unclassified route fails here, as it does in tests/test_policy.py."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.test_policy import EXPECTED
from tests.test_policy import build_world
from tests.test_policy import http_for
from tests.test_policy import routes
from tests.test_policy import url_for_rule
from webapp.audit import services
from webapp.audit.capture import declaration_of
from webapp.extensions import db
from webapp.models import AuditEvent

TARGET = "target"  # the world's target client
LIST = None  # a list of many clients: one event with no client

# (endpoint, method) -> (kind of record, whose): every read or change of health data.
AUDITED: dict[tuple[str, str], tuple[str, str | None]] = {
    # The client's own pages.
    ("pathway.today", "GET"): ("programme", TARGET),
    ("pathway.timeline", "GET"): ("pathway", TARGET),
    ("programmes.exercise", "GET"): ("programme", TARGET),
    ("programmes.log", "POST"): ("programme", TARGET),
    ("programmes.rate", "POST"): ("programme", TARGET),
    ("programmes.changes_seen", "POST"): ("programme", TARGET),
    ("diary.history", "GET"): ("diary", TARGET),
    ("diary.checkin", "GET"): ("diary", TARGET),
    ("diary.checkin", "POST"): ("diary", TARGET),
    ("diary.quick", "POST"): ("diary", TARGET),
    ("diary.sync_entries", "POST"): ("diary", TARGET),
    ("diary.weekly", "GET"): ("diary", TARGET),
    ("diary.weekly", "POST"): ("diary", TARGET),
    ("diary.weekly_done", "GET"): ("diary", TARGET),
    ("diary.review", "GET"): ("diary", TARGET),
    ("diary.review", "POST"): ("diary", TARGET),
    ("brief.progress", "GET"): ("progress", TARGET),
    ("sessions.index", "GET"): ("sessions", TARGET),  # carries the therapists' summaries
    ("sessions.ics", "GET"): ("sessions", TARGET),
    ("sessions.feed", "GET"): ("sessions", TARGET),  # by whoever holds the private link
    ("audit.access", "GET"): ("audit", TARGET),
    ("privacy.index", "GET"): ("consent", TARGET),
    ("privacy.decide", "POST"): ("consent", TARGET),
    ("export.download", "POST"): ("record", TARGET),  # action "export"
    # Staff on one client's record.
    ("pathway.client", "GET"): ("record", TARGET),
    ("pathway.change_phase", "POST"): ("pathway", TARGET),
    ("programmes.programme", "GET"): ("programme", TARGET),
    ("programmes.start_from_template", "POST"): ("programme", TARGET),
    ("programmes.add", "GET"): ("programme", TARGET),
    ("programmes.add", "POST"): ("programme", TARGET),
    ("programmes.edit", "GET"): ("programme", TARGET),
    ("programmes.edit", "POST"): ("programme", TARGET),
    ("programmes.replace", "GET"): ("programme", TARGET),
    ("programmes.replace", "POST"): ("programme", TARGET),
    ("programmes.remove", "GET"): ("programme", TARGET),
    ("programmes.remove", "POST"): ("programme", TARGET),
    ("programmes.move", "POST"): ("programme", TARGET),
    ("diary.psfs", "GET"): ("psfs", TARGET),
    ("diary.psfs", "POST"): ("psfs", TARGET),
    ("diary.retire_activity", "POST"): ("psfs", TARGET),
    ("diary.acknowledge", "POST"): ("alert", TARGET),
    ("careteam.notes", "GET"): ("notes", TARGET),
    ("careteam.write_note", "GET"): ("notes", TARGET),
    ("careteam.write_note", "POST"): ("notes", TARGET),
    ("careteam.add_addendum", "POST"): ("notes", TARGET),
    ("careteam.refer", "GET"): ("referrals", TARGET),
    ("careteam.refer", "POST"): ("referrals", TARGET),
    ("careteam.acknowledge", "POST"): ("referrals", TARGET),
    ("brief.brief", "GET"): ("brief", TARGET),
    ("sessions.client_appointments", "GET"): ("sessions", TARGET),
    ("sessions.book", "GET"): ("sessions", TARGET),
    ("sessions.book", "POST"): ("sessions", TARGET),
    ("sessions.book_series", "GET"): ("sessions", TARGET),
    ("sessions.book_series", "POST"): ("sessions", TARGET),
    ("sessions.move", "GET"): ("sessions", TARGET),
    ("sessions.move", "POST"): ("sessions", TARGET),
    ("sessions.cancel", "GET"): ("sessions", TARGET),
    ("sessions.cancel", "POST"): ("sessions", TARGET),
    ("sessions.outcome", "POST"): ("sessions", TARGET),
    ("admin.new_client", "POST"): ("record", TARGET),  # the client it creates
    ("admin.reissue_invitation", "POST"): ("account", TARGET),
    # An erasure request: the admin reviews it and carries it out (a second row, "erase",
    # comes from the erasure itself: tests/erasure).
    ("erasure.review", "GET"): ("erasure", TARGET),
    ("erasure.review", "POST"): ("erasure", TARGET),
    # Lists of many clients: one event per view, with no client (README: "Audit trail").
    ("caseload.index", "GET"): ("caseload", LIST),
    ("admin.index", "GET"): ("caseload", LIST),  # names, conditions and phases
    ("sessions.schedule", "GET"): ("schedule", LIST),
    ("careteam.inbox", "GET"): ("referrals", LIST),
    ("outcomes.index", "GET"): ("outcomes", LIST),
    ("outcomes.mine", "GET"): ("outcomes", LIST),
    ("outcomes.csv", "GET"): ("outcomes", LIST),
    ("outcomes.mine_csv", "GET"): ("outcomes", LIST),
    # Reading the trail is itself recorded (a client named by the search, else none).
    ("audit.trail", "GET"): ("audit", LIST),
    ("audit.trail_csv", "GET"): ("audit", LIST),
    ("erasure.requests", "GET"): ("erasure", LIST),  # the names of those who asked
}

# Whole blueprints that never touch health data.
FREE_BLUEPRINTS: dict[str, str] = {
    "auth": "signing in, invitations, passwords, two-step sign-in, sessions",
    "pwa": "the manifest, the service worker and the offline page",
    "health": "the health check",
    "learn": "articles written for every client",
    "library": "the exercise library (a client id in the query only names who it's for)",
    "onboarding": "the first-run tour",
    "reminders": "reminder times and push subscriptions",
}

# Single routes that never touch health data.
FREE: dict[tuple[str, str], str] = {
    ("static", "GET"): "static files",
    ("pathway.home", "GET"): "a redirect to each role's home",
    ("sessions.make_feed", "POST"): "a new secret calendar link",
    ("sessions.stop_feed", "POST"): "stopping the calendar link",
    ("admin.new_client", "GET"): "an empty form",
    ("admin.care_team_options", "GET"): "the staff of a centre",
    ("erasure.index", "GET"): "what erasure means, and the date of the client's own request",
    ("erasure.ask", "POST"): "asking for erasure (the erasure itself is recorded when done)",
    ("erasure.withdraw", "POST"): "taking the request back",
    ("export.index", "GET"): "what each format holds, and a password form",
}


def test_every_route_is_audited_or_free_of_health_data(app: Flask) -> None:
    problems = []
    seen = set()
    for endpoint, method, _rule in routes(app):
        seen.add((endpoint, method))
        view = app.view_functions[endpoint]
        declared = declaration_of(view, method)
        blueprint = endpoint.split(".")[0]
        free = (endpoint, method) in FREE or blueprint in FREE_BLUEPRINTS
        if declared is None and (endpoint, method) in AUDITED:
            problems.append(f"{method} {endpoint} touches health data but is not @audited")
        elif declared is None and not free:
            problems.append(
                f"{method} {endpoint} is unclassified: add @audited(<record>) to the view and "
                "an entry to AUDITED, or list it in FREE with why it holds no health data"
            )
        elif declared is not None and (endpoint, method) not in AUDITED:
            problems.append(f"{method} {endpoint} is @audited but missing from AUDITED")
        elif declared is not None and declared.record != AUDITED[(endpoint, method)][0]:
            problems.append(f"{method} {endpoint} records {declared.record!r}, not as listed")
        elif declared is not None and free:
            problems.append(f"{method} {endpoint} is both audited and listed as free")
    stale = (set(AUDITED) | set(FREE)) - seen
    assert not stale, f"listed routes that don't exist: {sorted(stale)}"
    assert not problems, "\n".join(problems)


def test_every_record_kind_has_words_for_the_client() -> None:
    for record, _whose in AUDITED.values():
        assert record in services.RECORDS
    for (_endpoint, _method), (record, whose) in AUDITED.items():
        if whose is TARGET and record != "audit":
            assert services.RECORDS[record], f"{record} needs words for the client's page"


# Routes the world of test_policy can't exercise, each proved by its own test in
# tests/audit/test_trail.py: the feed needs a real secret link, a new client a valid form, and
# a new invitation a client who hasn't signed in yet. An export needs the password, and its
# refused form (422) shows no record, so records nothing: tests/export/test_views.py.
PROVED_ELSEWHERE = {
    ("sessions.feed", "GET"),
    ("admin.new_client", "POST"),
    ("admin.reissue_invitation", "POST"),
    ("export.download", "POST"),
}
# Who tries each route first: the target, their care team, their centre's admin.
PREFERENCE = ["client_self", "physio_team", "massage_team", "admin_same"]


def _actor_for(endpoint: str, method: str) -> tuple[str, int] | None:
    """The first actor the policy lets through, and the answer test_policy expects them to get."""
    statuses = EXPECTED[(endpoint, method)]
    for actor in PREFERENCE:
        if statuses[actor] not in (403, 404):
            return actor, statuses[actor]
    return None


def test_each_audited_read_records_one_event(app: Flask) -> None:
    """Request every audited route as someone allowed: a read records exactly one event."""
    world = build_world()
    rules = {(endpoint, method): rule for endpoint, method, rule in routes(app)}
    failures = []
    for (endpoint, method), (record, whose) in AUDITED.items():
        found = _actor_for(endpoint, method)
        if (endpoint, method) in PROVED_ELSEWHERE:
            continue
        assert found is not None, f"nobody may use {method} {endpoint}"
        actor, status = found
        http = http_for(app, actor, world)
        last = db.session.scalar(select(db.func.max(AuditEvent.id))) or 0
        url = url_for_rule(app, rules[(endpoint, method)], world)
        response = http.open(url, method=method)
        response.close()
        assert response.status_code == status, f"{method} {url}: {response.status_code}"
        db.session.expire_all()
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > last)))
        user = world.users[actor]
        expected_client = world.target.id if whose is TARGET else None
        who = (user.id, user.role.value, expected_client)
        if (method == "GET" and status < 400) or status == 422:
            # A page came back: exactly one read (an export for the CSVs).
            action = "export" if ".csv" in url else "read"
            allowed = [[(*who, action, record)]]
        elif status < 400:
            # A change, or nothing when the world's empty form changed nothing.
            allowed = [[(*who, "change", record)], []]
        else:
            allowed = [[]]  # refused (a bad request): nothing read, nothing recorded
        got = [(e.actor_id, e.actor_role, e.client_id, e.action, e.record) for e in events]
        if got not in allowed:
            failures.append(f"{method} {url} as {actor}: {got}, expected one of {allowed}")
        for event in events:
            if event.request_id != response.headers["X-Request-ID"]:
                failures.append(f"{method} {url}: request id not the response's")
    assert not failures, "\n".join(failures)


# Statements that would change or remove audit rows, in any spelling the code base could use.
FORBIDDEN = [
    re.compile(r"\b(update|delete)\(\s*AuditEvent\b"),
    re.compile(r"(UPDATE|DELETE\s+FROM)\s+\"?audit_event\b", re.IGNORECASE),
    re.compile(r"AuditEvent\)?\.(query|update|delete)\b"),
]
# In the modules that handle audit rows, no ORM delete and no bulk update of any kind.
HANDLERS_FORBIDDEN = [
    re.compile(r"\.delete\("),
    re.compile(r"\bupdate\("),
    re.compile(r"\.merge\("),
]


def test_no_module_updates_or_deletes_audit_events() -> None:
    """On SQLite, append-only means the app has no path that changes a row: none is written."""
    webapp = Path(__file__).resolve().parents[2] / "webapp"
    problems = []
    for path in sorted(webapp.rglob("*.py")):
        text = path.read_text()
        for pattern in FORBIDDEN:
            for match in pattern.finditer(text):
                problems.append(f"{path.relative_to(webapp)}: {match.group(0)!r}")
        if "AuditEvent" in text and path.name != "__init__.py":
            code = re.sub(r'"""(.|\n)*?"""', "", text)  # docstrings may say "UPDATE"
            for pattern in HANDLERS_FORBIDDEN:
                for match in pattern.finditer(code):
                    problems.append(f"{path.relative_to(webapp)}: {match.group(0)!r}")
    assert not problems, "\n".join(problems)
