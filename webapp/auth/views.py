"""Sign in (a password, then a code for accounts with two-step sign-in), sign out, reset a
forgotten password, set a password from an invitation, and the security settings."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_url
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from .. import policy
from ..admin.services import qr_svg
from ..extensions import db
from ..extensions import htmx
from ..extensions import login_manager
from ..models import User
from ..models import now_utc
from . import reset as resets
from . import services
from . import two_factor
from .forms import CodeForm
from .forms import ConfirmIdentityForm
from .forms import ForgotPasswordForm
from .forms import LoginForm
from .forms import SetPasswordForm
from .forms import SetupForm

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"
# The half-signed-in state between the password and the code: who, since when, and where to.
# It lives in this browser's signed cookie, grants nothing by itself and lapses quickly.
PENDING_KEY = "second_step"
WRONG_CREDENTIALS = "That email and password don't match an account. Check both and try again."
WRONG_CODE = (
    "That code didn't work. Each code works once; enter the one your app shows now, "
    "or use a recovery code."
)
WRONG_IDENTITY = "That isn't your password or a current code from your app."
# Reachable by a staff member who has yet to set up two-step sign-in (besides public pages).
OPEN_DURING_SETUP = frozenset({"auth.two_factor_setup", "auth.logout", "auth.sign_out_everywhere"})


def describe(span: timedelta) -> str:
    """Say a duration the way a person would: "30 minutes", "12 hours", "14 days"."""
    minutes = max(int(span.total_seconds() // 60), 1)
    if minutes % 1440 == 0:
        count, unit = minutes // 1440, "day"
    elif minutes % 60 == 0:
        count, unit = minutes // 60, "hour"
    else:
        count, unit = minutes, "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only while their server-side session is live; say why one just ended."""
    token = session.get(SESSION_TOKEN_KEY)
    if not token or not user_id.isdigit():
        return None
    limits = services.SessionLimits.from_config(current_app.config)
    resumed = services.check_session(db.session, token, int(user_id), now_utc(), limits)
    if db.session.dirty:
        db.session.commit()
    if resumed.user is None:
        session.pop(SESSION_TOKEN_KEY, None)
        if resumed.ended == "idle" and resumed.after:
            flash(f"You were signed out after {describe(resumed.after)} without activity.", "info")
            g.session_ended = True
        elif resumed.ended == "lifetime" and resumed.after:
            flash(f"For your security, a sign-in lasts {describe(resumed.after)}.", "info")
            g.session_ended = True
    return resumed.user


def go_to(url: str, status: int = 302) -> Response:
    """Redirect; an htmx request gets ``HX-Redirect`` so the whole page moves, not a fragment."""
    if htmx:
        response = make_response("", status if status >= 400 else 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Send the signed-out to sign in, coming back afterwards; htmx gets a 401 that says so."""
    if not g.get("session_ended"):
        flash(login_manager.login_message or "", login_manager.login_message_category)
    if htmx:
        back_to = request.headers.get("HX-Current-URL") or request.url
        return go_to(login_url("auth.login", next_url=back_to), 401)
    return redirect(login_url("auth.login", next_url=request.url))


@bp.before_app_request
def require_staff_second_factor() -> Response | None:
    """Keep staff without two-step sign-in on its set-up page until they turn it on."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint in OPEN_DURING_SETUP:
        return None
    if "public" in getattr(current_app.view_functions.get(endpoint), "access", ()):
        return None
    if current_user.is_authenticated and current_user.needs_second_factor:
        return go_to(url_for("auth.two_factor_setup"))
    return None


def sign_in(user: User) -> None:
    """Start a fresh session for ``user``; nothing from the anonymous session carries over."""
    session.clear()
    token = services.start_session(db.session, user, now_utc())
    db.session.commit()
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


def hold_for_second_step(user: User, next_url: str | None) -> Response:
    """Remember, in this browser only, that ``user`` passed the password step."""
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        "since": int(now_utc().timestamp()),
        "next": next_url or "",
    }
    return redirect(url_for("auth.code"))


def pending_sign_in() -> tuple[User | None, str]:
    """Return the user waiting for their second step and where they were going."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    ttl: timedelta = current_app.config["SIGN_IN_STEP_TTL"]
    if now_utc().timestamp() - pending.get("since", 0) > ttl.total_seconds():
        session.pop(PENDING_KEY, None)
        flash(f"Sign-in stops after {describe(ttl)} without the code. Please start again.", "info")
        return None, ""
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or not user.has_second_factor:
        session.pop(PENDING_KEY, None)
        return None, ""
    return user, services.safe_next(pending.get("next")) or ""


def address() -> str:
    return request.remote_addr or "unknown"


def signed_in_user() -> User:
    """The signed-in user itself, not Flask-Login's proxy (which ``login_user`` can't take)."""
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


@bp.route("/login", methods=["GET", "POST"])
@policy.public
def login() -> Response | tuple[str, int]:
    """Sign in with email and password; accounts with two-step sign-in then give a code."""
    if current_user.is_authenticated:
        return redirect(url_for("pathway.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(
            db.session,
            form.email.data or "",
            form.password.data or "",
            address=address(),
            now=now_utc(),
            throttle=services.Throttle.from_config(current_app.config),
            hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
        )
        db.session.commit()
        if result.throttled:
            return render_template("auth/throttled.html"), 429
        if result.user is not None:
            next_url = services.safe_next(request.args.get("next"))
            if result.user.has_second_factor:
                return hold_for_second_step(result.user, next_url)
            sign_in(result.user)
            return redirect(next_url or url_for("pathway.home"))
        form.form_errors.append(WRONG_CREDENTIALS)
        form.password.data = ""
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@policy.public
def code() -> Response | tuple[str, int]:
    """The second step: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("pathway.home"))
    user, next_url = pending_sign_in()
    if user is None:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        check = two_factor.second_step(
            db.session,
            user,
            form.answer,
            address=address(),
            now=now_utc(),
            throttle=services.Throttle.for_codes(current_app.config),
        )
        db.session.commit()
        if check.throttled:
            return render_template("auth/throttled.html", step="code"), 429
        if check.ok:
            sign_in(user)
            if check.used_recovery_code:
                left = two_factor.recovery_codes_left(db.session, user)
                flash(f"You used a recovery code; {left} left. Make new ones in Security.", "info")
            return redirect(next_url or url_for("pathway.home"))
        form.form_errors.append(WRONG_CODE)
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/code.html", form=form), status


@bp.post("/logout")
@policy.signed_in
def logout() -> Response:
    """End the session on the server and clear what the device holds."""
    services.end_session(db.session, session.get(SESSION_TOKEN_KEY), now_utc())
    db.session.commit()
    return signed_out(url_for("auth.login", signed_out=1))


def signed_out(url: str) -> Response:
    logout_user()
    session.clear()
    response = redirect(url)
    # The HTTP cache goes; the page script has already dropped this user's offline copies.
    # Not "storage": that would also delete entries still waiting to sync, which the client
    # chose to keep for their next sign-in (README, security decisions).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


# --- Forgotten password ------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@policy.public
def forgot_password() -> Response | tuple[str, int]:
    """Email a one-time reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        asked = resets.request_reset(
            db.session,
            form.email.data or "",
            address=address(),
            now=now_utc(),
            ttl=config["PASSWORD_RESET_TTL"],
            throttle=services.Throttle.for_resets(config),
        )
        db.session.commit()
        if asked.throttled:
            return render_template("auth/throttled.html", step="reset"), 429
        minutes = int(config["PASSWORD_RESET_TTL"].total_seconds() // 60)
        response = make_response(render_template("auth/reset_sent.html", minutes=minutes))
        if asked.user is not None and asked.token is not None:
            link = config["BASE_URL"].rstrip("/") + url_for("auth.reset", token=asked.token)
            mail = resets.ResetMail(to=asked.user.email, link=link, minutes=minutes)
            # After the answer has gone, so its timing is the same for every address.
            response.call_on_close(
                partial(
                    resets.send_link,
                    mail,
                    smtp_url=config["SMTP_URL"],
                    sender=config["MAIL_FROM"],
                )
            )
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@policy.public
def reset(token: str) -> Response | tuple[str, int]:
    """Choose a new password from an emailed link; two-step sign-in still asks for a code."""
    try:
        found = resets.find_reset(db.session, token, now_utc())
    except resets.ResetProblem as problem:
        status = 404 if problem.kind == "unknown" else 410
        minutes = int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)
        return render_template(
            "auth/reset_problem.html", kind=problem.kind, minutes=minutes
        ), status
    user = found.user
    form = SetPasswordForm(email=user.email)
    if form.validate_on_submit():
        resets.complete_reset(
            db.session,
            found,
            form.password.data or "",
            now_utc(),
            current_app.config["PASSWORD_HASH_PROFILE"],
        )
        db.session.commit()
        logout_user()
        if user.has_second_factor:
            response = hold_for_second_step(user, None)
            flash("Your password is changed. Now enter the code from your app.", "success")
            return response
        sign_in(user)
        flash("Your password is changed, and you're signed out everywhere else.", "success")
        return redirect(url_for("pathway.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, user=user), status


# --- Security settings ---------------------------------------------------------------------


def security_page(identity_form: ConfirmIdentityForm | None = None) -> tuple[str, int]:
    """The security settings; with a refused form when a change needed the password first."""
    codes_left = two_factor.recovery_codes_left(db.session, signed_in_user())
    return (
        render_template(
            "auth/security.html",
            codes_left=codes_left,
            identity_form=identity_form or ConfirmIdentityForm(),
        ),
        200 if identity_form is None else 422,
    )


@bp.get("/settings/security")
@policy.signed_in
def security() -> tuple[str, int]:
    """Two-step sign-in, recovery codes and signing out everywhere."""
    return security_page()


@bp.route("/settings/security/two-factor", methods=["GET", "POST"])
@policy.signed_in
def two_factor_setup() -> Response | tuple[str, int]:
    """Set up an authenticator app: scan the code, then confirm with a code from the app."""
    user = signed_in_user()
    if user.has_second_factor:
        return redirect(url_for("auth.security"))
    secret = two_factor.setup_secret(user)
    db.session.commit()
    form = SetupForm()
    status = 200
    if form.validate_on_submit():
        codes = two_factor.confirm_setup(db.session, user, form.code.data or "", now_utc())
        if codes is not None:
            services.end_session(db.session, session.get(SESSION_TOKEN_KEY), now_utc())
            db.session.commit()
            sign_in(user)  # a fresh session now that it is properly signed in
            return render_template("auth/recovery_codes.html", codes=codes, new=True), 200
        form.code.errors.append(
            "That code doesn't match. Check the app shows Continuum, then try its newest code."
        )
        status = 422
    elif form.is_submitted():
        status = 422
    uri = two_factor.provisioning_uri(user, secret)
    qr = qr_svg(uri, title="QR code to add Continuum to an authenticator app")
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/setup.html", form=form, qr=qr, secret=spaced), status


def confirmed_identity(form: ConfirmIdentityForm) -> two_factor.Check | None:
    """Check the password-or-code a change to sign-in asks for; None if the form is invalid."""
    if not form.validate_on_submit():
        return None
    check = two_factor.confirm_identity(
        db.session,
        signed_in_user(),
        form.answer.data or "",
        address=address(),
        now=now_utc(),
        throttle=services.Throttle.for_codes(current_app.config),
        hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
    )
    db.session.commit()
    if not check.ok and not check.throttled:
        form.answer.errors.append(WRONG_IDENTITY)
    return check


@bp.post("/settings/security/two-factor/off")
@policy.signed_in
def turn_off_two_factor() -> Response | tuple[str, int]:
    """Turn two-step sign-in off (clients), or start again with a new app (staff)."""
    user = signed_in_user()
    form = ConfirmIdentityForm()
    check = confirmed_identity(form)
    if check is not None and check.throttled:
        return render_template("auth/throttled.html", step="code"), 429
    if check is None or not check.ok:
        return security_page(form)
    two_factor.turn_off(db.session, user)
    db.session.commit()
    if user.is_staff:
        return redirect(url_for("auth.two_factor_setup"))
    flash("Two-step sign-in is off. Your password alone now signs you in.", "success")
    return redirect(url_for("auth.security"))


@bp.post("/settings/security/recovery-codes")
@policy.signed_in
def new_recovery_codes() -> Response | tuple[str, int]:
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    user = signed_in_user()
    if not user.has_second_factor:
        return redirect(url_for("auth.security"))
    form = ConfirmIdentityForm()
    check = confirmed_identity(form)
    if check is not None and check.throttled:
        return render_template("auth/throttled.html", step="code"), 429
    if check is None or not check.ok:
        return security_page(form)
    codes = two_factor.new_recovery_codes(db.session, user, now_utc())
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, new=False), 200


@bp.post("/settings/security/sign-out-everywhere")
@policy.signed_in
def sign_out_everywhere() -> Response:
    """End every session this person has, on every device, this one included."""
    services.end_all_sessions(db.session, signed_in_user(), now_utc())
    db.session.commit()
    return signed_out(url_for("auth.login", signed_out="everywhere"))


# --- Invitations ---------------------------------------------------------------------------


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
