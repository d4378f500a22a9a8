"""Walking every route of the app as the access matrix's actors, for the security proofs.

The world, the actors, the URLs and the expected answers all come from tests/test_policy.py,
so a new route is covered here as soon as the matrix classifies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm

from tests.test_policy import ACTORS
from tests.test_policy import EXPECTED
from tests.test_policy import LOGIN
from tests.test_policy import World
from tests.test_policy import http_for
from tests.test_policy import routes
from webapp.extensions import db

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({401, 403, 404})
# Rows that every signed-in request touches (last seen), whatever it asks for.
BOOKKEEPING_TABLES = frozenset({"user_sessions"})


def allowed_actors(endpoint: str, method: str) -> list[str]:
    """The actors the access matrix lets through to the view (not refused, not sent to sign in)."""
    expected = EXPECTED[(endpoint, method)]
    return [
        actor
        for actor in ACTORS
        if expected[actor] not in REFUSED and not (actor == "anon" and expected[actor] == LOGIN)
    ]


def state_changing_routes(app: Flask) -> list[tuple[str, str, Any]]:
    return [(e, m, rule) for e, m, rule in routes(app) if m in STATE_CHANGING]


@contextmanager
def csrf_checks_off(app: Flask) -> Iterator[None]:
    """Sign-in is the means, not the subject: let the shared helper sign in without a token."""
    before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = before


def signed_in(app: Flask, actor: str, world: World) -> FlaskClient:
    with csrf_checks_off(app):
        return http_for(app, actor, world)


def snapshot() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (bar sign-in bookkeeping), to prove a request changed nothing."""
    db.session.rollback()  # see what other connections committed
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        rows = db.session.execute(table.select()).all()
        found[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    db.session.rollback()
    return found


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def form_field_names() -> set[str]:
    """The name of every field of every form in the app, to send each one hostile values."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name, value in vars(form).items() if hasattr(value, "field_class"))
    names.discard("csrf_token")
    return names
