"""Two-step sign-in: TOTP codes, recovery codes, set-up, and the half-signed-in state."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.factories import PASSWORD
from tests.factories import TOTP_SECRET
from tests.factories import gen_centre
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from tests.factories import totp_code
from webapp.auth import services
from webapp.auth import two_factor
from webapp.auth.views import PENDING_KEY
from webapp.demo.services import DEMO_TOTP_SECRET
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import LoginAttempt
from webapp.models import RecoveryCode
from webapp.models import Role
from webapp.models import User
from webapp.models import UserSession
from webapp.models import now_utc

SECRET_ON_PAGE = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
RECOVERY_ON_PAGE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>")
HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/today"}
SYNC = {"X-Continuum-Sync": "1", "Origin": "http://localhost"}


def live_sessions() -> int:
    return db.session.scalar(
        db.select(db.func.count(UserSession.token_hash)).where(UserSession.revoked_at.is_(None))
    )


def password_step(http: FlaskClient, user: User, next_url: str | None = None):  # type: ignore[no-untyped-def]
    return http.post(
        "/login",
        query_string={"next": next_url} if next_url else None,
        data={"email": user.email, "password": PASSWORD},
    )


def set_up(http: FlaskClient) -> tuple[str, list[str]]:
    """Set up an authenticator from the set-up page; return its secret and recovery codes."""
    page = http.get("/settings/security/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    done = http.post("/settings/security/two-factor", data={"code": totp_code(secret)})
    assert done.status_code == 200
    return secret, RECOVERY_ON_PAGE.findall(done.get_data(as_text=True))


# --- Codes -----------------------------------------------------------------------------------


def test_a_code_matches_its_step_and_one_either_side() -> None:
    totp = pyotp.TOTP(TOTP_SECRET)
    at = datetime(2026, 11, 28, 12, 0, 10, tzinfo=UTC)
    step = totp.timecode(at)
    assert two_factor.matching_step(TOTP_SECRET, totp.at(at), at) == step
    assert (
        two_factor.matching_step(TOTP_SECRET, totp.at(at - timedelta(seconds=30)), at) == step - 1
    )
    assert (
        two_factor.matching_step(TOTP_SECRET, totp.at(at + timedelta(seconds=30)), at) == step + 1
    )
    assert two_factor.matching_step(TOTP_SECRET, totp.at(at - timedelta(seconds=60)), at) is None
    assert two_factor.matching_step(TOTP_SECRET, "12345", at) is None
    assert two_factor.matching_step(None, totp.at(at), at) is None
    assert two_factor.matching_step("", totp.at(at), at) is None


def test_a_code_is_good_once_and_never_for_an_earlier_step(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    throttle = services.Throttle.for_codes(app.config)
    at = now_utc()
    code = pyotp.TOTP(TOTP_SECRET).at(at)

    def check(code: str, when: datetime) -> bool:
        return two_factor.second_step(
            db.session, admin, code, address="10.0.0.1", now=when, throttle=throttle
        ).ok

    assert check(code, at)
    assert not check(code, at)  # replayed in the same window
    assert not check(code, at + timedelta(seconds=20))
    earlier = pyotp.TOTP(TOTP_SECRET).at(at - timedelta(seconds=30))
    assert not check(earlier, at)  # an older code is refused once a newer one was used
    later = at + timedelta(seconds=30)
    assert check(pyotp.TOTP(TOTP_SECRET).at(later), later)


def test_the_secret_is_sealed_in_the_database(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    with app.app_context():
        admin = gen_user(Role.ADMIN, [gen_centre()])
        db.session.commit()
        stored = db.session.scalar(
            text('SELECT totp_secret FROM "user" WHERE id = :id'), {"id": admin.id}
        )
        assert TOTP_SECRET not in stored and len(stored) > 100
        assert db.session.get(User, admin.id).totp_secret == TOTP_SECRET
        admin_id = admin.id
    # Under another SECRET_KEY the value is unusable, and loading it is not an error.
    other = make_app(SECRET_KEY="another-secret-key-that-is-long-enough-987654")
    with other.app_context():
        user = db.session.get(User, admin_id)
        assert user.totp_secret == ""
        assert user.has_second_factor
        assert two_factor.matching_step(user.totp_secret, totp_code(), now_utc()) is None


# --- Signing in with two steps --------------------------------------------------------------


def test_the_session_starts_only_after_the_code(app: Flask, client: FlaskClient) -> None:
    centre = gen_centre()
    therapist = gen_therapist(centre, Discipline.PHYSIO)
    db.session.commit()
    response = password_step(client, therapist)
    assert response.headers["Location"] == "/login/code"
    assert live_sessions() == 0
    # Half signed in: nothing is reachable, not even the pages of the second step's user.
    for url in ("/", "/caseload/", "/settings/security", "/schedule"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    assert client.get("/caseload/", headers=HX).status_code == 401
    sync = client.post("/api/sync", json=[], headers=SYNC)
    assert sync.status_code == 401 and sync.is_json
    assert "Enter your code" in client.get("/login/code").get_data(as_text=True)

    response = client.post("/login/code", data={"code": totp_code()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert live_sessions() == 1
    assert client.get("/caseload/").status_code == 200


def test_a_wrong_code_is_refused_and_counted(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    password_step(client, admin)
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post("/login/code", data={"code": wrong})
    assert response.status_code == 422
    assert "That code didn" in response.get_data(as_text=True)
    assert live_sessions() == 0
    attempt = db.session.scalars(db.select(LoginAttempt).where(LoginAttempt.kind == "code")).one()
    assert not attempt.succeeded and attempt.email == admin.email
    assert client.post("/login/code", data={"code": ""}).status_code == 422


def test_wrong_codes_throttle_the_account(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    limit = app.config["CODE_MAX_FAILURES_PER_ACCOUNT"]
    for n in range(limit):
        http = app.test_client()
        password_step(http, admin)
        assert http.post("/login/code", data={"code": f"{n:06d}"}).status_code in (422, 302)
    http = app.test_client()
    password_step(http, admin)
    response = http.post("/login/code", data={"code": totp_code()})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.get_data(as_text=True)
    assert live_sessions() <= 1  # at most one lucky guess among the wrong ones


def test_the_half_signed_in_state_lapses_and_stays_in_its_browser(
    app: Flask, client: FlaskClient
) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    password_step(client, admin)
    # Another browser (no cookie) has nothing to continue.
    other = app.test_client()
    assert other.post("/login/code", data={"code": totp_code()}).headers["Location"] == "/login"

    ttl = app.config["SIGN_IN_STEP_TTL"]
    with client.session_transaction() as cookie:
        cookie[PENDING_KEY] = {**cookie[PENDING_KEY], "since": cookie[PENDING_KEY]["since"] - 1}
    assert client.get("/login/code").status_code == 200  # still within the five minutes
    with client.session_transaction() as cookie:
        late = cookie[PENDING_KEY]["since"] - int(ttl.total_seconds()) - 1
        cookie[PENDING_KEY] = {**cookie[PENDING_KEY], "since": late}
    response = client.post("/login/code", data={"code": totp_code()})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Sign-in stops after 5 minutes without the code" in page
    assert live_sessions() == 0


def test_next_survives_the_second_step(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    password_step(client, admin, next_url="/admin/clients/new")
    response = client.post("/login/code", data={"code": totp_code()})
    assert response.headers["Location"] == "/admin/clients/new"


def test_each_sign_in_gets_a_new_session_id_through_both_steps(
    app: Flask, client: FlaskClient
) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    name = app.config["SESSION_COOKIE_NAME"]
    client.get("/login")
    anonymous = client.get_cookie(name).value
    password_step(client, admin)
    halfway = client.get_cookie(name).value
    client.post("/login/code", data={"code": totp_code()})
    signed_in = client.get_cookie(name).value
    assert len({anonymous, halfway, signed_in}) == 3
    # The cookie from halfway through can't be turned into a second session with the same code.
    replay = app.test_client()
    replay.set_cookie(name, halfway)
    assert replay.post("/login/code", data={"code": totp_code()}).status_code == 422
    assert live_sessions() == 1


# --- Recovery codes -------------------------------------------------------------------------


def test_recovery_codes_work_once_each(app: Flask) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    http = app.test_client()
    login(http, client_user)
    _secret, codes = set_up(http)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored) and len(stored) == 10

    first = app.test_client()
    password_step(first, client_user)
    response = first.post("/login/code", data={"recovery_code": codes[0].upper()})
    assert response.status_code == 302
    assert "9 left" in first.get("/settings/security").get_data(as_text=True)
    again = app.test_client()
    password_step(again, client_user)
    assert again.post("/login/code", data={"recovery_code": codes[0]}).status_code == 422
    spaced = codes[1].replace("-", " ")
    assert again.post("/login/code", data={"recovery_code": spaced}).status_code == 302


def test_new_recovery_codes_replace_the_old(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    refused = client.post("/settings/security/recovery-codes", data={"answer": "not it"})
    assert refused.status_code == 422
    made = client.post("/settings/security/recovery-codes", data={"answer": PASSWORD})
    codes = RECOVERY_ON_PAGE.findall(made.get_data(as_text=True))
    assert made.status_code == 200 and len(codes) == 10
    assert "shown only now" in made.get_data(as_text=True)
    remade = client.post("/settings/security/recovery-codes", data={"answer": PASSWORD})
    fresh = RECOVERY_ON_PAGE.findall(remade.get_data(as_text=True))
    other = app.test_client()
    password_step(other, admin)
    assert other.post("/login/code", data={"recovery_code": codes[0]}).status_code == 422
    assert other.post("/login/code", data={"recovery_code": fresh[0]}).status_code == 302


# --- Setting up: required for staff, a choice for clients -----------------------------------


def test_staff_without_a_second_factor_reach_only_its_set_up(
    app: Flask, client: FlaskClient
) -> None:
    centre = gen_centre()
    therapist = gen_therapist(centre, Discipline.MASSAGE, two_factor=False)
    db.session.commit()
    response = login(client, therapist)
    assert response.status_code == 302
    for url in ("/caseload/", "/schedule", "/settings/security", "/library/", "/outcomes/mine"):
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 302, url
        assert answer.headers["Location"] == "/settings/security/two-factor", url
    hx = client.get("/caseload/", headers=HX)
    assert hx.headers["HX-Redirect"] == "/settings/security/two-factor"
    page = client.get("/settings/security/two-factor").get_data(as_text=True)
    assert "<svg" in page and 'class="qr-code"' in page
    # The page shows the same secret until it is confirmed.
    again = client.get("/settings/security/two-factor").get_data(as_text=True)
    assert SECRET_ON_PAGE.search(page).group(1) == SECRET_ON_PAGE.search(again).group(1)
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    wrong = client.post("/settings/security/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422
    secret, codes = set_up(client)
    assert len(codes) == 10
    assert client.get("/caseload/").status_code == 200
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != before
    db.session.expire_all()
    stored = db.session.get(User, therapist.id)
    assert stored.has_second_factor and stored.totp_secret == secret
    assert stored.totp_setup_secret is None
    assert live_sessions() == 1  # the session from before set-up was replaced


def test_the_authenticator_link_names_the_app_and_the_account(app: Flask) -> None:
    user = gen_user(Role.CLIENT, [gen_centre()], email="ana@example.test")
    uri = two_factor.provisioning_uri(user, two_factor.setup_secret(user))
    assert uri.startswith("otpauth://totp/Continuum:ana%40example.test?secret=")
    assert "issuer=Continuum" in uri


def test_a_client_turns_two_step_sign_in_on_and_off(app: Flask, client: FlaskClient) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    login(client, client_user)
    page = client.get("/settings/security").get_data(as_text=True)
    assert "Turn on two-step sign-in" in page
    secret, _codes = set_up(client)

    http = app.test_client()
    assert password_step(http, client_user).headers["Location"] == "/login/code"

    refused = client.post("/settings/security/two-factor/off", data={"answer": "a guess"})
    assert refused.status_code == 422
    assert "isn&#39;t your password" in refused.get_data(as_text=True)
    # A current code from the app will do instead of the password (once it is a new step).
    db.session.execute(db.update(User).values(totp_last_step=None))
    db.session.commit()
    response = client.post("/settings/security/two-factor/off", data={"answer": totp_code(secret)})
    assert response.headers["Location"] == "/settings/security"
    db.session.expire_all()
    assert not db.session.get(User, client_user.id).has_second_factor
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
    assert password_step(app.test_client(), client_user).headers["Location"] == "/"


def test_staff_can_move_to_a_new_phone_but_not_turn_it_off(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    page = client.get("/settings/security").get_data(as_text=True)
    assert "Move to a new phone" in page and "Turn off" not in page
    response = client.post("/settings/security/two-factor/off", data={"answer": PASSWORD})
    assert response.headers["Location"] == "/settings/security/two-factor"
    assert client.get("/admin/").headers["Location"] == "/settings/security/two-factor"
    set_up(client)
    assert client.get("/admin/").status_code == 200


def test_confirming_who_you_are_is_throttled(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    for n in range(app.config["CODE_MAX_FAILURES_PER_ACCOUNT"]):
        client.post("/settings/security/recovery-codes", data={"answer": f"guess {n}"})
    response = client.post("/settings/security/recovery-codes", data={"answer": PASSWORD})
    assert response.status_code == 429


def test_an_operator_resets_someones_two_step_sign_in(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()], email="locked.out@example.test")
    db.session.commit()
    phone = app.test_client()
    login(phone, admin)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["auth", "reset-two-factor", "Locked.Out@example.test"])
    assert result.exit_code == 0, result.output
    assert "sets it up at their next sign-in" in result.output
    db.session.expire_all()
    assert not db.session.get(User, admin.id).has_second_factor
    assert live_sessions() == 0
    assert "/login" in phone.get("/admin/").headers["Location"]
    again = app.test_client()
    login(again, admin)
    assert again.get("/admin/").headers["Location"] == "/settings/security/two-factor"
    missing = runner.invoke(args=["auth", "reset-two-factor", "nobody@example.test"])
    assert missing.exit_code != 0 and "no account uses" in missing.output


def test_the_demo_prints_its_staff_code(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "--code"])
    assert result.exit_code == 0
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    at = now_utc()
    nearby = {totp.at(at + timedelta(seconds=s)) for s in (-30, 0)}
    assert result.stdout.strip() in nearby
