"""A pytest plugin: keep every log record of the run and, at the end, scan them for leaks.

SECURITY.md L3 (ASVS 16.2.5): no health data, passwords or tokens in the application's logs.
Records are kept from the root logger at DEBUG (so every logger that propagates: the app's,
werkzeug's request lines from the live server, SQLAlchemy's, the reminder sender's) and from
gunicorn's loggers, which do not propagate; the handler is put back whenever Alembic's
``fileConfig`` replaces the root logger's. Each distinct text is kept once. At the end of the
session each record's message and traceback are checked against:

passwords
    ``tests.factories.PASSWORD``, the demo passwords (``<first name>-pathway-demo``) and every
    password of 10+ characters the run hashed or checked with Argon2.
tokens
    every value of 20+ characters ``secrets.token_urlsafe`` and ``secrets.token_hex`` returned
    during the run: session, invitation and reset tokens, calendar-feed keys; and these shapes, for
    tokens made some other way: a 43-character URL-safe token (``token_urlsafe(32)``), 64 hex
    digits, a calendar-feed token (``<id>-<40 hex>``), a signed cookie or CSRF token
    (itsdangerous), a base32 TOTP secret, an Argon2 hash.
health data
    the free text the run stored as clinical or diary text (diary notes, goals, phase-change
    and programme reasons, exercise notes, PSFS activities, alerts, session notes, addenda,
    referrals: any value of 12+ characters with two words in it); every client's name and
    email; the marked strings of the test world (``TARGET_NAME`` and its notes); pain scores
    written as "pain 7/10" or "pain_now=7".

One source is left out on purpose: the ``mail.log`` logger of aiosmtpd, the test SMTP server
that stands in for the clinic's mail provider (it logs the mail it receives, as any mail server
would). Any finding fails the run: the summary names the record, the test and the pattern.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest

# Loggers that do not propagate to the root logger, so need the handler themselves.
NON_PROPAGATING = ("gunicorn.error", "gunicorn.access")
# Loggers whose records are not the application's (see the module docstring).
NOT_SCANNED = ("mail.log",)

SHAPES: dict[str, re.Pattern[str]] = {
    "demo password": re.compile(r"\b[a-z]+-pathway-demo\b"),
    "URL-safe token (token_urlsafe(32))": re.compile(
        r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])"
        r"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
    ),
    "256-bit secret in hex": re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{64}(?![0-9a-fA-F])"),
    "calendar feed token": re.compile(r"(?<![\w-])\d+-[0-9a-f]{40}(?![0-9a-f])"),
    "signed cookie or CSRF token": re.compile(
        r"(?<![\w.-])\.?[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,8}\.[A-Za-z0-9_-]{27}(?![\w-])"
    ),
    "base32 TOTP secret": re.compile(r"(?<![A-Z2-7])(?=[A-Z2-7]*[2-7])[A-Z2-7]{32}(?![A-Z2-7])"),
    "Argon2 hash": re.compile(r"\$argon2(?:id|i|d)\$"),
    "pain score": re.compile(
        r"(?i)\bpain\b[^\n\d]{0,30}\b(?:10|\d)\s*(?:/|out of)\s*10\b"
        r"|\bpain_(?:now|worst|during)\b['\"]?\s*[:=]\s*\d"
    ),
}

# Free-text columns that hold health data, by model name.
HEALTH_TEXT = {
    "DiaryEntry": ("notes",),
    "CarePlan": ("goals",),
    "PhaseChange": ("reason",),
    "Prescription": ("note",),
    "ProgrammeChange": ("reason",),
    "PsfsActivity": ("name",),
    "CareAlert": ("summary",),
    "SessionNote": (
        "treatment",
        "findings",
        "plan",
        "handover",
        "client_summary",
        "client_next_steps",
    ),
    "NoteAddendum": ("text",),
    "Referral": ("reason", "focus"),
}
TWO_WORDS = re.compile(r"[^\W\d_]{3,}\W+[^\W\d_]{3,}")


@dataclass(frozen=True)
class Captured:
    logger: str
    level: str
    text: str
    test: str


@dataclass(frozen=True)
class Finding:
    kind: str
    record: Captured

    def describe(self) -> str:
        text = self.record.text.replace("\n", " ")
        return (
            f"{self.kind}: [{self.record.logger} {self.record.level}] {text[:160]!r}"
            f" (during {self.record.test or 'collection or set-up'})"
        )


@dataclass
class LogScanner:
    """The kept records, the secrets seen so far, and the scan over both."""

    records: dict[str, Captured] = field(default_factory=dict)  # the first of each text
    seen: Counter[str] = field(default_factory=Counter)  # records by logger, repeats included
    values: dict[str, set[str]] = field(default_factory=dict)
    shapes: dict[str, re.Pattern[str]] = field(default_factory=lambda: dict(SHAPES))
    current_test: str = ""

    def know(self, kind: str, value: str | None) -> None:
        """Remember a secret or personal value that must never be logged."""
        if value:
            self.values.setdefault(kind, set()).add(value)

    def keep(self, record: logging.LogRecord, text: str) -> None:
        self.seen[record.name.split(".")[0]] += 1
        if text not in self.records:
            self.records[text] = Captured(record.name, record.levelname, text, self.current_test)

    def scan(self) -> list[Finding]:
        """Check every kept record; one finding per record and kind."""
        by_kind: dict[str, Literals | re.Pattern[str]] = {
            kind: Literals(values) for kind, values in self.values.items()
        }
        by_kind.update(self.shapes)
        findings = []
        for text, record in list(self.records.items()):
            for kind, pattern in by_kind.items():
                if pattern.search(text):
                    findings.append(Finding(kind, record))
        return findings


class KeepingHandler(logging.Handler):
    """A handler that gives each record's text (message and traceback) to the scanner."""

    def __init__(self, scanner: LogScanner) -> None:
        super().__init__(logging.DEBUG)
        self.scanner = scanner
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_SCANNED):
            return
        try:
            text = self.format(record)
        except Exception:  # a broken record is still scanned, as raw as it came
            text = f"{record.msg!r} {record.args!r}"
        self.scanner.keep(record, text)


class Literals:
    """Many literal values found fast: each is looked up by its first word, then checked whole."""

    WORD = re.compile(r"[A-Za-z0-9]+")

    def __init__(self, values: Iterable[str]) -> None:
        self.by_word: dict[str, list[re.Pattern[str]]] = {}
        for value in set(values):
            first = self.WORD.search(value)
            if first is None:
                continue
            whole = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
            self.by_word.setdefault(first.group(), []).append(whole)

    def search(self, text: str) -> bool:
        for word in set(self.WORD.findall(text)):
            for pattern in self.by_word.get(word, ()):
                if pattern.search(text):
                    return True
        return False


# --- Learning the run's secrets as they are made -----------------------------------------------


def _wrap(owner: Any, name: str, after: Callable[..., None]) -> Callable[[], None]:
    """Replace ``owner.name`` by a wrapper that reports each call; return the undo."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(result, *args, **kwargs)
        return result

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


def watch_secrets(scanner: LogScanner) -> list[Callable[[], None]]:
    """Learn every token, password and piece of health text the run makes."""
    from argon2 import PasswordHasher
    from sqlalchemy import event

    from tests.factories import PASSWORD
    from tests.test_policy import TARGET_NAME
    from webapp import models

    undo = []
    scanner.know("password", PASSWORD)
    for marker in (
        TARGET_NAME,
        "Neck mobilisation",
        "We loosened your neck",
        "Tingling in the hand",
        "Neck pain worse after the commute",
        "Stiff after the drive",
    ):
        scanner.know("health data (test world)", marker)

    def token(result: str, nbytes: int | None = None) -> None:
        if len(result) >= 20:
            scanner.know("token", result)

    undo.append(_wrap(secrets, "token_urlsafe", token))
    undo.append(_wrap(secrets, "token_hex", token))

    def password(result: Any, hasher: Any, *args: Any, **kwargs: Any) -> None:
        typed = args[-1] if args else kwargs.get("password")
        if isinstance(typed, bytes):
            typed = typed.decode(errors="replace")
        if isinstance(typed, str) and len(typed) >= 10:
            scanner.know("password", typed)

    undo.append(_wrap(PasswordHasher, "hash", password))
    undo.append(_wrap(PasswordHasher, "verify", password))

    def health_text(columns: tuple[str, ...]) -> Callable[..., None]:
        def listener(_mapper: Any, _connection: Any, target: Any) -> None:
            for column in columns:
                value = getattr(target, column, None)
                if isinstance(value, str) and len(value.strip()) >= 12:
                    if TWO_WORDS.search(value):
                        scanner.know("health data (stored free text)", value.strip())

        return listener

    def person(_mapper: Any, _connection: Any, target: Any) -> None:
        if getattr(target, "role", None) == models.Role.CLIENT:
            if target.name and len(target.name) >= 6:
                scanner.know("client name", target.name)
            scanner.know("client email", target.email)

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (models.User, "before_insert", person),
        (models.User, "before_update", person),
    ]
    for name, columns in HEALTH_TEXT.items():
        model = getattr(models, name, None)
        if model is not None:
            listener = health_text(columns)
            listeners += [(model, "before_insert", listener), (model, "before_update", listener)]
    for target, identifier, listener in listeners:
        event.listen(target, identifier, listener)
        undo.append(lambda t=target, i=identifier, f=listener: event.remove(t, i, f))
    return undo


# --- The plugin --------------------------------------------------------------------------------


class LogScanPlugin:
    """Install the handler for the whole session and fail the run on any finding."""

    def __init__(self) -> None:
        self.scanner = LogScanner()
        self.handler = KeepingHandler(self.scanner)
        self.undo: list[Callable[[], None]] = []
        self.findings: list[Finding] = []
        self.root_level = logging.WARNING

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.root_level = logging.getLogger().level
        self.install()
        self.undo = watch_secrets(self.scanner)

    def install(self) -> None:
        """Put the handler back: Alembic's ``fileConfig`` replaces the root logger's handlers.

        The root logger must pass DEBUG records for this handler to see them; every other
        handler on it (pytest's, Alembic's console) keeps the threshold it had before.
        """
        root = logging.getLogger()
        root.setLevel(logging.DEBUG)
        if self.handler not in root.handlers:
            root.addHandler(self.handler)
        for handler in root.handlers:
            if handler is not self.handler and handler.level == logging.NOTSET:
                handler.setLevel(self.root_level)
        for name in NON_PROPAGATING:
            logger = logging.getLogger(name)
            if self.handler not in logger.handlers:
                logger.addHandler(self.handler)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Any:
        self.scanner.current_test = item.nodeid
        self.install()
        try:
            return (yield)
        finally:
            self.scanner.current_test = ""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Any:
        try:
            return (yield)
        finally:
            self.install()

    @pytest.hookimpl(wrapper=True, trylast=True)  # inside pytest's own log capture
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self.install()
        return (yield)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.root_level)
        for name in NON_PROPAGATING:
            logging.getLogger(name).removeHandler(self.handler)
        for undo in reversed(self.undo):
            undo()
        self.findings = self.scanner.scan()
        if self.findings:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        scanned = sum(self.scanner.seen.values())
        known = sum(len(v) for v in self.scanner.values.values())
        if not self.findings:
            busiest = "".join(f"; {name} {n}" for name, n in self.scanner.seen.most_common(4))
            terminalreporter.write_line(
                f"log scan: {scanned} records ({len(self.scanner.records)} distinct{busiest}),"
                f" {known} known secrets and personal values, {len(self.scanner.shapes)} shapes:"
                " no leaks"
            )
            return
        terminalreporter.section("log scan: leaks found", sep="=", red=True, bold=True)
        for finding in self.findings:
            terminalreporter.write_line(finding.describe())
        terminalreporter.write_line(
            f"{len(self.findings)} leak(s) in {scanned} records"
            f" ({len(self.scanner.records)} distinct)"
        )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LogScanPlugin(), "log-scan")
