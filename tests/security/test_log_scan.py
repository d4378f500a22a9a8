"""The log scan (tests/log_scan.py) catches what it should, and request logs drop link secrets."""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from tests.log_scan import KeepingHandler
from tests.log_scan import LogScanner
from webapp.logs import REDACTED
from webapp.logs import redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def planted() -> Iterator[tuple[LogScanner, logging.Logger]]:
    """A scanner of its own on a logger that does not reach the run-wide scan."""
    scanner = LogScanner()
    logger = logging.getLogger("tests.planted")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = KeepingHandler(scanner)
    logger.addHandler(handler)
    yield scanner, logger
    logger.removeHandler(handler)


LEAKS = {
    "password": ("signed in with %s", "correct horse battery"),
    "demo password": ("demo user password %s", "alex-pathway-demo"),
    "token": ("session %s started", "known-token-value-0123456789"),
    "URL-safe token (token_urlsafe(32))": ("invitation %s", secrets.token_urlsafe(32)),
    "256-bit secret in hex": ("feed key %s", "ab" * 32),
    "calendar feed token": ("GET /calendar/%s.ics", "12-" + "c" * 40),
    "signed cookie or CSRF token": ("cookie %s", "eyJfaWQiOiJhYmMifQ.Zx1a2b." + "AbCd0" * 5 + "Ef"),
    "base32 TOTP secret": ("totp %s", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
    "Argon2 hash": ("hash %s", "$argon2id$v=19$m=8,t=1,p=1$abc"),
    "pain score": ("entry saved: %s", "pain 7/10 after the drive"),
    "health data (stored free text)": ("note: %s", "Neck pain worse after the commute"),
    "client name": ("welcome %s", "Tess Targetclient"),
    "client email": ("mail to %s", "client12@example.test"),
}


@pytest.mark.parametrize("kind", sorted(LEAKS))
def test_a_planted_leak_is_caught(planted, kind: str) -> None:  # type: ignore[no-untyped-def]
    scanner, logger = planted
    scanner.know("password", "correct horse battery")
    scanner.know("token", "known-token-value-0123456789")
    scanner.know("health data (stored free text)", "Neck pain worse after the commute")
    scanner.know("client name", "Tess Targetclient")
    scanner.know("client email", "client12@example.test")
    message, value = LEAKS[kind]
    logger.info(message, value)
    found = {finding.kind for finding in scanner.scan()}
    assert kind in found, found


def test_a_leak_in_a_traceback_is_caught(planted) -> None:  # type: ignore[no-untyped-def]
    scanner, logger = planted
    scanner.know("client name", "Tess Targetclient")
    try:
        raise ValueError("no care plan for Tess Targetclient")
    except ValueError:
        logger.exception("booking failed")
    assert [f.kind for f in scanner.scan()] == ["client name"]


def test_what_the_app_may_log_is_not_a_leak(planted) -> None:  # type: ignore[no-untyped-def]
    scanner, logger = planted
    scanner.know("client name", "Client 12")
    scanner.know("password", "correct horse battery")
    logger.info("user %s signed in; entry %s stored", 123, uuid.uuid4())
    logger.info("slot %s claimed by %s", uuid.uuid4().hex, secrets.token_hex(8))
    logger.warning("endpoint %s has no access classification", "admin.index")
    logger.info("email for delivery %s not sent: no SMTP_URL (development)", 42)
    logger.info('127.0.0.1 - - "GET /invite/%s HTTP/1.1" 200 -', REDACTED)
    logger.info("Client 123 is another person")  # a longer number is not "Client 12"
    assert scanner.scan() == []


def test_the_run_wide_scan_is_listening() -> None:
    root = logging.getLogger()
    assert any(isinstance(h, KeepingHandler) for h in root.handlers)
    assert root.level == logging.DEBUG


def test_a_run_that_logs_a_password_fails(tmp_path: Path) -> None:
    (tmp_path / "test_leaky.py").write_text(
        "import logging\n\n\n"
        "def test_passes_but_logs_a_password():\n"
        "    logging.getLogger('webapp.leaky').info('signed in with correct horse battery')\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.log_scan"]
        + ["-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_leaky.py")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "log scan: leaks found" in run.stdout
    assert "password: [webapp.leaky INFO]" in run.stdout


# --- Request logs: the secret part of a link is replaced before it is written -----------------


def test_redact_replaces_link_secrets_and_keeps_ids() -> None:
    token = secrets.token_urlsafe(32)
    feed = "12-" + secrets.token_hex(20)
    assert redact(f"GET /invite/{token} HTTP/1.1") == f"GET /invite/{REDACTED} HTTP/1.1"
    assert redact(f"GET /calendar/{feed}.ics") == f"GET /calendar/{REDACTED}.ics"
    assert redact(f"https://host/reset/{token}?next=/") == f"https://host/reset/{REDACTED}?next=/"
    assert redact("GET /clients/12/programme/3/edit HTTP/1.1") == (
        "GET /clients/12/programme/3/edit HTTP/1.1"
    )


def test_the_development_server_log_drops_link_secrets(app: Flask) -> None:
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.addHandler(handler)
    token = secrets.token_urlsafe(32)
    try:
        werkzeug.info('127.0.0.1 - - [date] "%s" %s %s', f"GET /invite/{token} HTTP/1.1", 200, "-")
    finally:
        werkzeug.removeHandler(handler)
    assert lines == [f'127.0.0.1 - - [date] "GET /invite/{REDACTED} HTTP/1.1" 200 -']


def test_gunicorn_access_log_drops_link_secrets() -> None:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec and spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    from gunicorn.config import Config

    token = secrets.token_urlsafe(32)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/invite/{token}",
        "PATH_INFO": f"/invite/{token}",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://clinic.example/invite/{token}",
        "HTTP_USER_AGENT": "phone",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    cfg = Config()
    logger = conf.logger_class(cfg)
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = cfg.access_log_format % logger.atoms_wrapper_class(atoms)
    assert token not in line and token not in repr(atoms)
    assert f"GET /invite/{REDACTED} HTTP/1.1" in line
