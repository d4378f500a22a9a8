"""The load test's virtual users, run by locust in its own process (``bench/load.py`` starts it).

Locust patches the standard library with gevent when it is imported, so nothing else imports
this module. Everything it needs comes from the JSON plan named by ``LOAD_PLAN``: who signs in,
how many users of each kind, the warm-up and measured seconds, and where to write the samples.

- ``ClientUser`` holds a few clients' sessions, signed in through the real form at start, and
  visits as each in turn: opens Today, logs pain (the quick log), ticks an exercise (the htmx
  post), syncs an offline batch (``/api/sync``), then opens the diary and the sessions page.
- ``TherapistUser`` holds a few therapists' sessions (password, then the demo staff key's
  code) and opens the caseload, then the brief of one of that therapist's clients.
- ``BareUser`` fetches ``/`` from the bare Flask app (``bench/bare.py``).

A controller waits for every user to be signed in, lets them run for the warm-up, then records
every request that starts in the measured window (action, client-side ms, status), and the
CPU the server, its database backends, locust and the rest of the machine used meanwhile
(``bench/cpu_use.py``), and writes them out. Requests to ``/__load__/<phase>/start`` and
``.../stop`` mark the window in the server's access log (both apps answer them with a 404).
In the ``today`` phase clients only open Today.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections import defaultdict
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import gevent
import pyotp
from locust import FastHttpUser
from locust import constant
from locust import events
from locust import task
from locust.contrib.fasthttp import FastHttpSession

from bench import cpu_use  # locust puts the working directory (the project) on sys.path

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EXERCISE = re.compile(r'href="/exercises/(\d+)"')
OK_SYNC = {"stored", "duplicate", "updated"}


class Window:
    """The measured window and what was recorded in it."""

    ready = 0
    problems: list[str] = []
    started: float | None = None
    ended: float | None = None
    cpu: dict[str, float] = {}
    samples: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    failures: dict[str, Counter[str]] = defaultdict(Counter)


@events.request.add_listener
def record(name: str, response_time: float, response: Any, exception: Any, **kw: Any) -> None:
    """Keep the requests that started inside the measured window."""
    if Window.started is None or Window.ended is not None or kw["start_time"] < Window.started:
        return
    Window.samples[name].append(response_time)
    Window.statuses[name][str(getattr(response, "status_code", 0) or 0)] += 1
    if exception is not None:
        Window.failures[name][str(exception)[:200]] += 1


def mark(what: str) -> None:
    """A request the access log shows between the warm-up and the measured window."""
    url = f"{PLAN['base']}/__load__/{PLAN['phase']}/{what}"
    try:
        urllib.request.urlopen(url, timeout=30).close()
    except urllib.error.HTTPError:
        pass


def control(environment: Any) -> None:
    """Wait for every sign-in, warm up, measure, write the samples, then stop locust."""
    users = sum(PLAN["users"].values())
    deadline = time.monotonic() + PLAN["sign_in_limit"]
    while Window.ready < users and not Window.problems and time.monotonic() < deadline:
        gevent.sleep(0.2)
    if Window.ready < users and not Window.problems:
        Window.problems.append(f"only {Window.ready} of {users} users signed in")
    if not Window.problems:
        gevent.sleep(PLAN["warmup"])
        mark("start")
        environment.runner.stats.reset_all()
        cpu = cpu_use.snapshot(PLAN["server_session"], PLAN["database"])
        Window.started = time.time()
        gevent.sleep(PLAN["duration"])
        Window.ended = time.time()
        used = cpu_use.snapshot(PLAN["server_session"], PLAN["database"])
        Window.cpu = cpu_use.shares(cpu, used, Window.ended - Window.started)
        mark("stop")
    with open(PLAN["output"], "w") as out:
        json.dump(
            {
                "started": Window.started,
                "ended": Window.ended,
                "problems": Window.problems,
                "cpu": Window.cpu,
                "samples": Window.samples,
                "statuses": Window.statuses,
                "failures": Window.failures,
            },
            out,
        )
    environment.runner.quit()


@events.test_start.add_listener
def start_controller(environment: Any, **kw: Any) -> None:
    gevent.spawn(control, environment)


class Visitor:
    """One signed-in account: its own cookie jar and its latest CSRF token."""

    def __init__(self, user: FastHttpUser, email: str) -> None:
        self.email = email
        self.http = FastHttpSession(
            base_url=user.host, request_event=user.environment.events.request, user=user
        )
        self.token = ""

    def form(self, path: str, data: dict[str, str], name: str) -> Any:
        """GET a form's page for its CSRF token, then POST ``data`` to it (no redirects)."""
        page = self.http.get(path, name=name, allow_redirects=False)
        found = CSRF.search(page.text or "")
        if page.status_code != 200 or not found:
            raise RuntimeError(f"{self.email}: {path} answered {page.status_code}")
        return self.http.post(
            path, data={"csrf_token": found.group(1), **data}, name=name, allow_redirects=False
        )

    def sign_in(self, password: str, totp_secret: str) -> None:
        """The password form, then (staff) the code form; a code works once, so retry on the
        next one."""
        answer = self.form("/login", {"email": self.email, "password": password}, "sign in")
        location = answer.headers.get("Location") or ""
        if answer.status_code != 302:
            raise RuntimeError(f"{self.email}: sign-in answered {answer.status_code} {location}")
        if not location.endswith("/login/code"):
            return
        for _ in range(3):
            code = pyotp.TOTP(totp_secret).now()
            answer = self.form("/login/code", {"code": code}, "sign in (code)")
            if answer.status_code == 302:
                return
            gevent.sleep(30 - time.time() % 30 + 0.2)
        raise RuntimeError(f"{self.email}: the code step failed")

    def page(self, path: str, name: str) -> str:
        """GET a page; anything but a 200 (a redirect to sign in, say) is a failure."""
        with self.http.get(path, name=name, allow_redirects=False, catch_response=True) as got:
            if got.status_code != 200:
                got.failure(f"{got.status_code} {got.headers.get('Location') or ''}")
                return ""
            found = CSRF.search(got.text or "")
            if found:
                self.token = found.group(1)
            return got.text or ""


class SignedIn(FastHttpUser):
    abstract = True
    wait_time = constant(PLAN.get("wait", 0))
    kind = ""
    slots: itertools.count[int]

    def on_start(self) -> None:
        slot = next(self.slots)
        self.visitors: list[Visitor] = []
        self.rng = random.Random(f"{self.kind}-{slot}")
        try:
            for account in PLAN[self.kind][slot]:
                visitor = Visitor(self, account["email"])
                visitor.sign_in(PLAN["password"], PLAN["totp_secret"])
                visitor.clients = account.get("clients", [])  # type: ignore[attr-defined]
                self.visitors.append(visitor)
        except Exception as error:  # reported, and the run stops
            Window.problems.append(str(error))
        Window.ready += 1
        self.turn = itertools.cycle(self.visitors)


class ClientUser(SignedIn):
    """Clients on their phones: Today, a pain log, an exercise tick, a sync, diary, sessions."""

    fixed_count = PLAN["users"].get("client", 0)
    kind = "client"
    slots = itertools.count()

    @task
    def visit(self) -> None:
        if not self.visitors:
            return
        client = next(self.turn)
        today = client.page("/today", "today")
        if not today or PLAN["phase"] == "today":
            return
        prescriptions = sorted(set(map(int, EXERCISE.findall(today))))
        client.http.post(
            "/diary/quick",
            name="pain log",
            allow_redirects=False,
            data={
                "csrf_token": client.token,
                "client_entry_id": str(uuid.uuid4()),
                "pain_now": str(self.rng.randint(0, 10)),
            },
        )
        if prescriptions:
            rx = self.rng.choice(prescriptions)
            client.http.post(
                f"/exercises/{rx}/log",
                name="exercise tick",
                allow_redirects=False,
                headers={"HX-Request": "true", "HX-Current-URL": f"{self.host}/today"},
                data={
                    "csrf_token": client.token,
                    "client_entry_id": str(uuid.uuid4()),
                    "with_timer": "0",
                },
            )
        self.sync(client, prescriptions)
        client.page("/diary", "diary")
        client.page("/sessions", "sessions")

    def sync(self, client: Visitor, prescriptions: list[int]) -> None:
        """A batch made offline over the last hours: quick pain logs and exercise ticks."""
        now = datetime.now(UTC)
        entries = []
        for n in range(PLAN["sync_batch"]):
            made = {
                "id": str(uuid.uuid4()),
                "recorded_at": (now - timedelta(minutes=10 * (n + 1))).isoformat(),
                "tz": "Europe/London",
            }
            if prescriptions and n % 2:
                made.update(type="exercise", prescription_id=self.rng.choice(prescriptions))
            else:
                made.update(type="quick", data={"pain_now": self.rng.randint(0, 10)})
            entries.append(made)
        with client.http.post(
            "/api/sync",
            name="sync batch",
            json={"entries": entries},
            headers={"X-Continuum-Sync": "1", "Origin": self.host},
            catch_response=True,
        ) as got:
            if got.status_code != 200:
                got.failure(f"{got.status_code}")
                return
            refused = [r for r in got.json()["results"] if r["status"] not in OK_SYNC]
            if refused:
                got.failure(f"{len(refused)} entries refused: {refused[0]}")


class TherapistUser(SignedIn):
    """Therapists at the clinic: the caseload, then one client's brief."""

    fixed_count = PLAN["users"].get("therapist", 0)
    kind = "therapist"
    slots = itertools.count()

    @task
    def visit(self) -> None:
        if not self.visitors:
            return
        therapist = next(self.turn)
        therapist.page("/caseload/", "caseload")
        client_id = self.rng.choice(therapist.clients)  # type: ignore[attr-defined]
        therapist.page(f"/clients/{client_id}/brief", "brief")


class BareUser(FastHttpUser):
    """The baseline: the bare Flask app's one page, as fast as it answers."""

    fixed_count = PLAN["users"].get("bare", 0)
    wait_time = constant(PLAN.get("wait", 0))

    def on_start(self) -> None:
        Window.ready += 1

    @task
    def index(self) -> None:
        self.client.get("/", name="bare")
