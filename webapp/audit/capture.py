"""Recording reads and changes of client health data as requests happen.

A view says what it touches with ``@audited("notes")``, placed directly above the function,
under the policy decorators, so it sees the client they resolved (``client``, or a
prescription, appointment, note or referral) and, on a client's own pages, the client signed
in. A GET is a "read", anything else a "change", unless the declaration names the action.

The row is one INSERT in the request's own transaction:

- a change is written at the view's commit, so the change and its audit row are stored
  together or not at all; a POST that commits nothing changed nothing, and records no change;
- a read is written after the view answered with a success, and committed then.

Refused requests (4xx, 5xx) record nothing, except a page sent back without a change (a form
with its errors, 422): it showed the client's record, so it is a "read". A view that finds its
client for itself (a new client, a calendar feed's owner) names it with ``about()`` before it
commits. A check stored whatever follows (the password before an export) commits inside
``set_aside()``, without the request's event.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask
from flask import make_response
from flask import request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Role
from ..models import User
from . import request_ids
from . import services

View = Callable[..., Any]

PENDING = "audit.pending"  # the key of the request's unwritten event in ``Session.info``
SAFE_METHODS = frozenset({"GET", "HEAD"})

# The records the policy decorators hand a view, and the client each belongs to.
SUBJECTS: dict[str, Callable[[Any], int]] = {
    "client": lambda client: client.id,
    "prescription": lambda rx: rx.programme.client_id,
    "appointment": lambda appointment: appointment.client_id,
    "note": lambda note: note.client_id,
    "referral": lambda referral: referral.client_id,
}


@dataclass(frozen=True)
class Declaration:
    """What an audited view touches, kept on the view for the coverage test to read."""

    record: str
    action: str | None = None  # None: "read" for GET and HEAD, "change" for the rest
    methods: frozenset[str] | None = None  # None: every method the route serves
    anonymous_role: str = "anonymous"

    def covers(self, method: str) -> bool:
        """Answer whether requests with ``method`` are recorded."""
        method = "GET" if method == "HEAD" else method
        return self.methods is None or method in self.methods

    def action_for(self, method: str) -> str:
        """The action a successful request with ``method`` records."""
        return self.action or ("read" if method in SAFE_METHODS else "change")


@dataclass
class Pending:
    """The request's event, until a commit or a successful answer writes it."""

    actor: services.Actor
    client_id: int | None
    action: str
    record: str
    record_id: str
    request_id: str

    def write(self, session: Session, action: str | None = None) -> None:
        services.record(
            session,
            self.actor,
            self.client_id,
            action or self.action,
            self.record,
            self.record_id,
            request_id=self.request_id,
        )


def audited(
    record: str,
    *,
    action: str | None = None,
    methods: Iterable[str] | None = None,
    anonymous_role: str = "anonymous",
) -> Callable[[View], View]:
    """Record every successful request to the view as a read or change of ``record``."""
    declaration = Declaration(
        record, action, frozenset(methods) if methods else None, anonymous_role
    )
    for method in ("GET", "POST"):
        services.check(declaration.action_for(method), record)  # a typo fails at import

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not declaration.covers(request.method):
                return view(*args, **kwargs)
            session = db.session()
            session.info[PENDING] = _pending(declaration, kwargs)
            try:
                response = make_response(view(*args, **kwargs))
                pending = session.info.pop(PENDING, None)
                if pending is not None:
                    action = _unwritten_outcome(pending, response.status_code)
                    if action is not None:
                        pending.write(session, action)
                        _commit_read(session)
                return response
            finally:
                session.info.pop(PENDING, None)

        wrapper.audited = declaration  # type: ignore[attr-defined]
        return wrapper

    return decorator


def about(client: User | int) -> None:
    """Name the client an audited view found for itself; call it before the view commits."""
    pending: Pending | None = db.session.info.get(PENDING)
    if pending is None:
        raise RuntimeError("about() outside an audited view, or after its event was written")
    pending.client_id = client if isinstance(client, int) else client.id


@contextmanager
def set_aside() -> Iterator[None]:
    """Commit something that is not the request's read or change without writing its event.

    For a check that must be stored whatever follows, such as the password asked for before an
    export (the attempt counts towards throttling): a wrong one commits the attempt, and the
    request records no export.
    """
    pending: Pending | None = db.session.info.pop(PENDING, None)
    try:
        yield
    finally:
        if pending is not None:
            db.session.info[PENDING] = pending


def declaration_of(view: View, method: str) -> Declaration | None:
    """The audit declaration covering ``method`` requests to ``view``, if any."""
    declaration: Declaration | None = getattr(view, "audited", None)
    if declaration is None or not declaration.covers(method):
        return None
    return declaration


def _pending(declaration: Declaration, kwargs: dict[str, Any]) -> Pending:
    if current_user.is_authenticated:
        actor = services.Actor(current_user.id, current_user.role.value)
    else:
        actor = services.Actor(None, declaration.anonymous_role)
    return Pending(
        actor=actor,
        client_id=_client_id(kwargs),
        action=declaration.action_for(request.method),
        record=declaration.record,
        record_id=_record_id(),
        request_id=request_ids.current(),
    )


def _client_id(kwargs: dict[str, Any]) -> int | None:
    """The client whose data the request touches: resolved by the policy, or the client in."""
    for name, client_of in SUBJECTS.items():
        if name in kwargs:
            return client_of(kwargs[name])
    if current_user.is_authenticated and current_user.role is Role.CLIENT:
        return int(current_user.id)
    return None


def _record_id() -> str:
    """The id in the URL of the one record touched, if any (a prescription, a note, an alert)."""
    for name, value in (request.view_args or {}).items():
        if name.endswith("_id") and name != "client_id":
            return str(value)
    return ""


def _unwritten_outcome(pending: Pending, status: int) -> str | None:
    """What a request records when its view committed nothing (so its event is unwritten)."""
    if pending.action != "change":
        return pending.action if status < 400 else None
    # A change that committed nothing changed nothing; a page it sent back showed the record.
    if pending.client_id is not None and (200 <= status < 300 or status == 422):
        return "read"
    return None


def _commit_read(session: Session) -> None:
    """Commit the event of a request whose view committed nothing (a read).

    What the request loaded is left as it is: nothing else changed, and reloading the signed-in
    user for the response would cost a query. On PostgreSQL the commit doesn't wait for its WAL
    flush (``synchronous_commit`` off for this transaction only): a read then costs well under a
    millisecond instead of a disk sync, and only a crash of the database server itself within
    the WAL writer's delay (0.6 s by default) could lose a read's row. A change's row is
    committed with the change, fully synchronous.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def _write_at_commit(session: Session) -> None:
    """Add the request's event to the transaction the view is committing."""
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit writes it
    pending: Pending | None = session.info.pop(PENDING, None)
    if pending is not None:
        pending.write(session)


def register_audit(app: Flask) -> None:
    """Give every request an id, and write audit events with the view's own commit."""
    request_ids.register_request_ids(app)
    if not event.contains(Session, "before_commit", _write_at_commit):
        event.listen(Session, "before_commit", _write_at_commit)
