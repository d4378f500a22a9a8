"""The one access policy: who may see or change whose data.

Every view is classified by one of the decorators below; the factory refuses
to serve an endpoint that carries no classification, and the route matrix
test fails on one. Nothing else in the code base decides access.

- a client sees only their own record;
- a therapist sees the clients whose care team they are on;
- an admin sees the clients of their centres;
- nobody sees an erased client: the tombstone and the record kept with it stay in the database
  only, for what they are kept for (README, "Retention and erasure").
Record-level refusals answer 404 so that nobody learns another centre's clients exist.
Outcomes are counted only in aggregate: an admin over their centres' care plans, a therapist
over the care plans whose team they are on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort
from flask import jsonify
from flask import request
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy import select

from .extensions import db
from .extensions import login_manager
from .models import Appointment
from .models import CarePlan
from .models import Centre
from .models import ErasureRequest
from .models import Prescription
from .models import Referral
from .models import Role
from .models import SessionNote
from .models import User
from .models import care_team
from .models import centre_membership

# What each role may do to a client record it can reach.
# Clinical notes and referrals are the care team's: admins book visits but read no notes, and a
# client reads only the summaries written for them.
ACTIONS: dict[Role, frozenset[str]] = {
    Role.CLIENT: frozenset({"view", "log"}),
    Role.THERAPIST: frozenset(
        {"view", "change_phase", "prescribe", "schedule", "read_notes", "write_notes", "refer"}
    ),
    Role.ADMIN: frozenset({"view", "invite", "schedule"}),
}

View = Callable[..., Any]


def _classify(view: View, label: str) -> None:
    view.access = (*getattr(view, "access", ()), label)  # type: ignore[attr-defined]


def public(view: View) -> View:
    """Mark a view as open to everyone, signed in or not."""
    _classify(view, "public")
    return view


def signed_in(view: View) -> View:
    """Let any signed-in user through; send everyone else to sign in."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    _classify(wrapper, "signed-in")
    return wrapper


def roles(*allowed: Role) -> Callable[[View], View]:
    """Let signed-in users with one of these roles through; others get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        _classify(wrapper, "roles:" + ",".join(sorted(r.value for r in allowed)))
        return wrapper

    return decorator


def client_api(view: View) -> View:
    """A JSON endpoint for clients: 401 when signed out (never a redirect), 403 for staff."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return jsonify(error="Sign in again; nothing you sent was lost."), 401
        if current_user.role is not Role.CLIENT:
            return jsonify(error="Only clients keep a diary."), 403
        return view(*args, **kwargs)

    _classify(wrapper, "client-api")
    return wrapper


def client_record(action: str) -> Callable[[View], View]:
    """Resolve ``client_id`` to a client the user may act on, or answer 404."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, client_id: int, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            client = db.session.get(User, client_id)
            if client is None or not may(current_user, action, client):
                abort(404)
            return view(*args, client=client, **kwargs)

        _classify(wrapper, f"client:{action}")
        return wrapper

    return decorator


def _record(param: str, model: type, client_of: Callable[[Any], User], label: str):  # type: ignore[no-untyped-def]
    """Make a decorator that resolves ``param`` to a record whose client the user may act on."""

    def for_action(action: str) -> Callable[[View], View]:
        def decorator(view: View) -> View:
            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                record = db.session.get(model, kwargs.pop(param))
                if record is None or not may(current_user, action, client_of(record)):
                    abort(404)
                return view(*args, **{label: record}, **kwargs)

            _classify(wrapper, f"{label}:{action}")
            return wrapper

        return decorator

    return for_action


prescription_record = _record(
    "prescription_id", Prescription, lambda rx: rx.programme.client, "prescription"
)
appointment_record = _record("appointment_id", Appointment, lambda a: a.client, "appointment")
note_record = _record("note_id", SessionNote, lambda note: note.client, "note")
referral_record = _record("referral_id", Referral, lambda referral: referral.client, "referral")


def erasure_request(view: View) -> View:
    """Resolve ``request_id`` to an erasure request from a client of the admin's centres, or 404.

    Decided by the centres alone, not ``may``: the request stays the admin's to look at after
    the erasure, when its client is a tombstone nobody may open.
    """

    @wraps(view)
    def wrapper(*args: Any, request_id: int, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        found = db.session.get(ErasureRequest, request_id)
        if found is None or not any(manages_centre(current_user, c) for c in found.client.centres):
            abort(404)
        return view(*args, erasure=found, **kwargs)

    _classify(wrapper, "erasure:centre")
    return wrapper


def may(user: User, action: str, client: User) -> bool:
    """Answer whether ``user`` may perform ``action`` on ``client``'s record."""
    if client.role is not Role.CLIENT or client.erased_at is not None or not user.is_active:
        return False  # an erased client's kept record is out of the app (README, "Retention")
    if action not in ACTIONS.get(user.role, frozenset()):
        return False
    if user.role is Role.CLIENT:
        return user.id == client.id
    if user.role is Role.THERAPIST:
        plan = client.active_care_plan
        return plan is not None and any(member.id == user.id for member in plan.team)
    if user.role is Role.ADMIN:
        return bool({c.id for c in user.centres} & {c.id for c in client.centres})
    return False


def manages_centre(user: User, centre: Centre) -> bool:
    """Answer whether ``user`` administers ``centre``."""
    return user.role is Role.ADMIN and any(c.id == centre.id for c in user.centres)


def visible_clients(user: User) -> Select[tuple[User]]:
    """Select the clients whose records ``user`` may view."""
    query = select(User).where(User.role == Role.CLIENT, User.erased_at.is_(None))
    if user.role is Role.CLIENT:
        return query.where(User.id == user.id)
    if user.role is Role.THERAPIST:
        on_team = (
            select(CarePlan.client_id)
            .join(care_team, care_team.c.care_plan_id == CarePlan.id)
            .where(CarePlan.active, care_team.c.therapist_id == user.id)
        )
        return query.where(User.id.in_(on_team))
    if user.role is Role.ADMIN:
        return query.where(User.id.in_(centre_clients(user)))
    return query.where(False)


def centre_clients(admin: User) -> Select[tuple[int]]:
    """Select the ids of everyone in ``admin``'s centres, erased clients' tombstones included.

    Only erasure requests read it as it is (an admin sees the erasures they carried out);
    every other list goes through ``visible_clients``, which leaves tombstones out.
    """
    own_centres = select(centre_membership.c.centre_id).where(
        centre_membership.c.user_id == admin.id
    )
    return select(centre_membership.c.user_id).where(centre_membership.c.centre_id.in_(own_centres))


@dataclass(frozen=True)
class OutcomeScope:
    """The care plans a user may count in outcomes (in aggregate only, never one record) and
    the centres they may filter by."""

    centres: tuple[Centre, ...]
    therapist_id: int | None = None  # set: only the care plans whose team includes them

    def covers(self, centre_id: str) -> bool:
        """Answer whether a ``centre`` filter value names one of the scope's centres."""
        return centre_id in {str(c.id) for c in self.centres}

    def care_plans(self) -> Select[tuple[int]]:
        """Select the ids of the care plans in scope."""
        if self.therapist_id is not None:
            return select(care_team.c.care_plan_id).where(
                care_team.c.therapist_id == self.therapist_id
            )
        return select(CarePlan.id).where(CarePlan.centre_id.in_([c.id for c in self.centres]))


def outcome_scope(user: User) -> OutcomeScope | None:
    """The outcomes ``user`` may see: an admin their centres', a therapist their caseload's."""
    if not user.is_active:
        return None
    centres = tuple(sorted(user.centres, key=lambda c: c.name))
    if user.role is Role.ADMIN:
        return OutcomeScope(centres)
    if user.role is Role.THERAPIST:
        return OutcomeScope(centres, therapist_id=user.id)
    return None


def outcomes(audience: Role) -> Callable[[View], View]:
    """Let ``audience`` see outcomes over its scope, passed to the view as ``scope``.

    Anyone else gets 403; a ``centre`` filter outside the scope answers 404, so nobody learns
    another centre's figures, or that it exists.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            scope = outcome_scope(current_user)
            if current_user.role is not audience or scope is None:
                abort(403)
            centre = request.args.get("centre", "")
            if centre and not scope.covers(centre):
                abort(404)
            return view(*args, scope=scope, **kwargs)

        _classify(wrapper, f"outcomes:{audience.value}")
        return wrapper

    return decorator
