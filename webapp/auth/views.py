"""Sign in, sign out, and set a password from an invitation link."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from .. import policy
from ..extensions import db
from ..extensions import login_manager
from ..models import User
from ..models import now_utc
from . import services
from .forms import LoginForm
from .forms import SetPasswordForm

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"
WRONG_CREDENTIALS = "That email and password don't match an account. Check both and try again."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only while their server-side session is live."""
    token = session.get(SESSION_TOKEN_KEY)
    if not token or not user_id.isdigit():
        return None
    limits = services.SessionLimits.from_config(current_app.config)
    user = services.resume_session(db.session, token, int(user_id), now_utc(), limits)
    if db.session.dirty:
        db.session.commit()
    return user


def sign_in(user: User) -> None:
    """Start a fresh session for ``user``; nothing from the anonymous session carries over."""
    session.clear()
    token = services.start_session(db.session, user, now_utc())
    db.session.commit()
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@policy.public
def login() -> Response | tuple[str, int]:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("pathway.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(
            db.session,
            form.email.data or "",
            form.password.data or "",
            address=request.remote_addr or "unknown",
            now=now_utc(),
            throttle=services.Throttle.from_config(current_app.config),
            hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
        )
        db.session.commit()
        if result.throttled:
            return render_template("auth/throttled.html"), 429
        if result.user is not None:
            sign_in(result.user)
            return redirect(services.safe_next(request.args.get("next")) or url_for("pathway.home"))
        form.form_errors.append(WRONG_CREDENTIALS)
        form.password.data = ""
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@policy.signed_in
def logout() -> Response:
    """End the session on the server and clear what the device holds."""
    services.end_session(db.session, session.get(SESSION_TOKEN_KEY), now_utc())
    db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login", signed_out=1))
    # The HTTP cache goes; the page script has already dropped this user's offline copies.
    # Not "storage": that would also delete entries still waiting to sync, which the client
    # chose to keep for their next sign-in (README, security decisions).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
@policy.public
def accept_invitation(token: str) -> Response | tuple[str, int]:
    """Let an invited client choose a password and sign in."""
    try:
        invitation = services.find_invitation(db.session, token, now_utc())
    except services.InvitationProblem as problem:
        status = 404 if problem.kind == "unknown" else 410
        return render_template("auth/invitation_problem.html", kind=problem.kind), status
    client = invitation.user
    form = SetPasswordForm(email=client.email)
    if form.validate_on_submit():
        user = services.accept_invitation(
            db.session,
            invitation,
            form.password.data or "",
            now_utc(),
            current_app.config["PASSWORD_HASH_PROFILE"],
        )
        db.session.commit()
        sign_in(user)
        return redirect(url_for("onboarding.step"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/accept_invitation.html", form=form, client=client), status
