"""Configuration in layers: defaults, then the environment, then test overrides."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")


PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def defaults(instance_path: str) -> dict[str, Any]:
    """Return settings that let a development checkout run with nothing set."""
    return {
        "EXERCISES_DIR": os.path.join(PROJECT_ROOT, "exercises"),
        "LEARN_DIR": os.path.join(PROJECT_ROOT, "learn"),
        "ENV": "development",  # CONTINUUM_ENV=production in deployment
        "SECRET_KEY": "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "continuum.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": "http://127.0.0.1:5000",
        "SMTP_URL": "",
        "VAPID_PRIVATE_KEY": "",
        "VAPID_PUBLIC_KEY": "",
        # Who push services may contact about our pushes (part of every VAPID token).
        "VAPID_CONTACT": "mailto:reminders@continuum.invalid",
        "MAIL_FROM": "Continuum <reminders@continuum.invalid>",
        # A reminders pass that dies holds its claimed rows this long before another takes them.
        "REMINDER_LEASE_SECONDS": 300,
        # Threads sending in one pass: sends wait on the network, so a few overlap well.
        "REMINDER_WORKERS": 4,
        # Cookies: hardened further in production (see ``harden``).
        "SESSION_COOKIE_NAME": "continuum_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
        "WTF_CSRF_SSL_STRICT": True,
        # Server-side sessions: staff on shared clinic computers sign out after 30 idle minutes;
        # clients on their own phones, offline between visits, after two weeks (README).
        # From the environment as seconds or with a unit: CONTINUUM_SESSION_IDLE_STAFF=20m.
        "SESSION_IDLE_STAFF": timedelta(minutes=30),
        "SESSION_ABSOLUTE_STAFF": timedelta(hours=12),
        "SESSION_IDLE_CLIENT": timedelta(days=14),
        "SESSION_ABSOLUTE_CLIENT": timedelta(days=30),
        # Between the password and the second step: how long the half-signed-in state lasts.
        "SIGN_IN_STEP_TTL": timedelta(minutes=5),
        # Sign-in throttling over a sliding window.
        "LOGIN_WINDOW": timedelta(minutes=15),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "CODE_MAX_FAILURES_PER_ACCOUNT": 5,  # wrong second-step codes in the window
        "RESET_MAX_PER_ACCOUNT": 3,  # reset emails per account in the window
        "PASSWORD_RESET_TTL": timedelta(minutes=30),
        "INVITATION_TTL": timedelta(days=7),
        # How long an outcomes report counted for one scope and filters is shown again (with
        # the time it was counted) before it is counted afresh; timedelta(0) counts every time.
        "OUTCOMES_SNAPSHOT_TTL": timedelta(minutes=10),
        "PASSWORD_HASH_PROFILE": "rfc9106-low-memory",
        "CLOCK_INTERVAL_SECONDS": 60,
        # How many reverse proxies in front of the app set X-Forwarded-*; 0 trusts none.
        "TRUSTED_PROXIES": 0,
        # The largest request body and form field (413 beyond them); a full offline-sync
        # batch and the longest session note are well under.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    }


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Read the public environment contract (DESIGN.md §6) into config keys."""
    found: dict[str, Any] = {}
    simple = ("SECRET_KEY", "BASE_URL", "SMTP_URL", "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY")
    for key in simple:
        if environ.get(key):
            found[key] = environ[key]
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs, whichever spelling the host gives."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DURATIONS = (
    "SESSION_IDLE_STAFF",
    "SESSION_ABSOLUTE_STAFF",
    "SESSION_IDLE_CLIENT",
    "SESSION_ABSOLUTE_CLIENT",
    "SIGN_IN_STEP_TTL",
    "LOGIN_WINDOW",
    "PASSWORD_RESET_TTL",
    "INVITATION_TTL",
    "OUTCOMES_SNAPSHOT_TTL",
)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any) -> timedelta:
    """Read a duration: a timedelta, a number of seconds, or text such as "30m", "12h", "14d"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    text = str(value).strip().lower()
    if len(text) > 1 and text[-1] in UNITS and text[:-1].isdigit() and int(text[:-1]) > 0:
        return timedelta(seconds=int(text[:-1]) * UNITS[text[-1]])
    raise RuntimeError(f"{value!r} is not a duration: use seconds or e.g. 30m, 12h, 14d")


def harden(config: dict[str, Any]) -> None:
    """Read durations given as text, then apply production rules: a real secret, HTTPS cookies."""
    for key in DURATIONS:
        config[key] = duration(config[key])
    env = config["ENV"]
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"CONTINUUM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if env != "production":
        return
    if config["SECRET_KEY"] == "dev-only-not-secret" or len(config["SECRET_KEY"]) < 32:
        raise RuntimeError("In production SECRET_KEY must be set to a random value of 32+ chars")
    config["SESSION_COOKIE_NAME"] = "__Host-continuum"
    config["SESSION_COOKIE_SECURE"] = True
