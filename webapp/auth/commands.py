"""``flask auth``: for someone locked out of two-step sign-in, or an account to close."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import User
from ..models import now_utc
from . import services
from . import two_factor


@click.group("auth")
def auth_group() -> None:
    """Sign-in administration."""


def _account(email: str) -> User:
    user = services.find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no account uses {email}")
    return user


@auth_group.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Turn off EMAIL's two-step sign-in and end their sessions; staff set it up again."""
    user = _account(email)
    two_factor.turn_off(db.session, user)
    services.end_all_sessions(db.session, user, now_utc())
    db.session.commit()
    then = "sets it up at their next sign-in" if user.is_staff else "signs in with the password"
    click.echo(f"Two-step sign-in is off for {user.email}; they {then}.")


@auth_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Disable EMAIL's account: no more sign-ins, and every session ends now."""
    user = _account(email)
    services.deactivate_user(db.session, user, now_utc())
    db.session.commit()
    click.echo(f"{user.email} is disabled and signed out everywhere.")
