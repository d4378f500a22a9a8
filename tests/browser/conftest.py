"""A live server with the demo company, and Debian's Chromium as a Pixel 7 phone."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

from tests.conftest import BASE_CONFIG
from webapp import create_app
from webapp.demo import outcomes as cohort
from webapp.demo import services as demo
from webapp.demo.services import DEMO_TOTP_SECRET
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import now_utc

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screens"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def chromium_present() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Debian's Chromium is missing (make test installs it)")
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> str:
    return live_app.config["BASE_URL"]


@pytest.fixture(scope="session")
def live_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Serve the app with the demo company on a free port, in a thread."""
    folder = tmp_path_factory.mktemp("live")
    path = folder / "live.db"
    shutil.copy(sqlite_template, path)
    app = create_app(
        {
            **BASE_CONFIG,
            "TESTING": False,
            "WTF_CSRF_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        root = Path(app.config["EXERCISES_DIR"])
        library.load(db.session, root)
        demo.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        cohort.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], playwright: Any, base_url: str
) -> dict[str, Any]:
    return {**browser_context_args, **playwright.devices["Pixel 7"], "base_url": base_url}


class Looker:
    """Checks each screen with axe-core and saves a phone-size screenshot of it."""

    def __init__(self) -> None:
        self.axe = Axe()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        results = self.axe.run(page)
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in results.response["violations"]
        ]
        assert not problems, f"axe found violations on {name}:\n" + "\n".join(problems)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name} scrolls sideways ({width}px)"


@pytest.fixture(scope="session")
def look() -> Looker:
    return Looker()


def sign_in(page: Page, email: str, password: str, totp_secret: str = DEMO_TOTP_SECRET) -> None:
    """Sign in by the forms; staff then type their authenticator's code (the demo staff key)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    if urlsplit(page.url).path == "/login/code":
        page.get_by_label("6-digit code").fill(fresh_code(email, totp_secret))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state("networkidle")


_last_step: dict[str, int] = {}


def fresh_code(email: str, secret: str) -> str:
    """A code the server hasn't accepted for ``email`` yet: each is good once, so a second
    sign-in within the same 30 seconds uses the next step's code, as the app shows it soon."""
    totp = pyotp.TOTP(secret)
    while True:
        current = totp.timecode(datetime.now(UTC))
        step = max(current, _last_step.get(email, current - 1) + 1)
        if step <= current + 1:  # the server accepts one step either side of its own
            _last_step[email] = step
            return totp.generate_otp(step)
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
