"""Load test on loopback (issue #10): gunicorn serving the real app on the company-sized data
set, 20 locust users, on SQLite and on PostgreSQL, against a bare Flask app measured in the
same run.

Per database, three phases, each a warm-up and then a measured window:

1. **bare**: ``bench/bare.py`` (one route, a small HTML string) under the same gunicorn
   settings, every user fetching ``/``: what the server, locust and this machine manage alone;
2. **today**: every user a client opening Today, rotating over a few signed-in clients each;
   its requests per second over the bare app's is "Today's throughput" (target ≥ 30%);
3. **mixed**: 16 clients who open Today, log pain (the quick log form), tick an exercise (the
   htmx post), sync an offline batch (``/api/sync``, 5 entries) and open the diary and
   sessions; 4 therapists who open their caseload, then one of their clients' brief.

Users send their next request as soon as the last is answered (no think time, ``--wait`` to
add some): 20 users keep the server saturated, the worst case for latency. The web process is
the Procfile's: ``gunicorn --config gunicorn.conf.py`` with 3 sync workers (its default
``WEB_CONCURRENCY``), on a free loopback port, development settings (``CONTINUUM_ENV`` unset)
with a fixed bench ``SECRET_KEY``. Server time per request comes from gunicorn's access log
(``%(D)s``, microseconds, from the request read to the response written); client time and
requests per second from locust (``bench/locustfile.py``, run as a subprocess: it patches the
standard library with gevent). Requests outside the measured window are not counted. Every
answer must be a 2xx or 3xx and the server log must show no "database is locked".

The data set (``bench/generate.py``, 20 centres, 300 therapists, 5,000 clients, a year: about
6.9 million rows) is made once per database under ``instance/load/`` (PostgreSQL: database
``continuum_load``) and reused while its stamp matches (generator source, size, seed and key)
and it is under a week old; each run works on a copy (so every run starts from the same rows)
and migrates it first, as the Procfile's release step does. Results go to
``bench/results/load-<db>.md`` and ``.json`` (not committed; the README holds the figures).

Usage: make bench   (or python bench/load.py [--database sqlite] [--duration 60] [--keep])
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections import defaultdict
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "instance" / "load"
PG_ADMIN = os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = "continuum_load"
# Staff TOTP secrets are sealed with the key: the generator and the server must share it.
SECRET_KEY = "continuum-load-test-only-not-a-secret-0000"
MAX_AGE = timedelta(days=7)  # the data runs up to the day it was made
WORKERS = 3  # the Procfile's default WEB_CONCURRENCY, on 2 cores
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
MARK = re.compile(r"^GET /__load__/(\w+)/(start|stop) ")

# (action, method, path pattern) for the server's log; locust names its requests the same.
ACTIONS = [
    ("today", "GET", re.compile(r"/today")),
    ("pain log", "POST", re.compile(r"/diary/quick")),
    ("exercise tick", "POST", re.compile(r"/exercises/\d+/log")),
    ("sync batch", "POST", re.compile(r"/api/sync")),
    ("diary", "GET", re.compile(r"/diary")),
    ("sessions", "GET", re.compile(r"/sessions")),
    ("caseload", "GET", re.compile(r"/caseload/")),
    ("brief", "GET", re.compile(r"/clients/\d+/brief")),
    ("bare", "GET", re.compile(r"/")),
]
CLIENT_PAGES = ("today", "pain log", "exercise tick", "sync batch", "diary", "sessions")
TARGET_CLIENT_P95 = 50.0  # ms of server time, with 20 users on SQLite
TARGET_BRIEF_P95 = 80.0
TARGET_TODAY_SHARE = 0.30


@dataclass
class Settings:
    users: int = 20
    therapists: int = 4  # of the users, in the mixed phase
    clients_each: int = 8  # sessions a client user rotates over
    therapists_each: int = 3
    warmup: float = 15.0
    duration: float = 60.0
    wait: float = 0.0
    sync_batch: int = 5
    workers: int = WORKERS
    seed: int = 1


@dataclass
class DataSet:
    label: str  # SQLite or PostgreSQL
    url: str  # the copy the server uses
    accounts: dict[str, Any]
    rows: int


@dataclass
class Phase:
    name: str
    seconds: float
    cpu: dict[str, float]  # cores used during the phase: server, database, locust, other
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    locks: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per request it answered in the window."""
        answered = sum(row["server_requests"] for row in self.actions.values())
        return self.cpu.get("server", 0.0) * self.seconds * 1000 / answered if answered else 0.0


# --- The data set ---------------------------------------------------------------------------------


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def wanted_stamp(size: generate.Size, seed: int) -> dict[str, Any]:
    source = (ROOT / "bench" / "generate.py").read_text()
    return {
        "generator": fingerprint(source),
        "size": asdict(size),
        "seed": seed,
        "secret_key": fingerprint(SECRET_KEY),
    }


def pg_url(database: str) -> str:
    return make_url(PG_ADMIN).set(database=database).render_as_string(hide_password=False)


def pg_admin(statement: str, **params: Any) -> Any:
    engine = create_engine(generate.normalise_database_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def pristine(
    kind: str, size: generate.Size, seed: int, folder: Path, jobs: int = 0
) -> tuple[str, Path, int]:
    """The generated data set for ``kind``, made now (rows made by ``jobs`` other processes)
    unless a matching stamp says it exists; its URL, its accounts file and its row count."""
    folder.mkdir(parents=True, exist_ok=True)
    name = "scale" if kind == "sqlite" else PG_NAME
    url = f"sqlite:///{folder / 'scale.db'}" if kind == "sqlite" else pg_url(PG_NAME)
    accounts = folder / f"{name}.accounts.json"
    stamp_path = folder / f"{name}.stamp.json"
    want = wanted_stamp(size, seed)
    try:
        stamp = json.loads(stamp_path.read_text())
        made = datetime.fromisoformat(stamp["generated_at"])
        exists = (
            (folder / "scale.db").exists()
            if kind == "sqlite"
            else pg_admin("SELECT 1 FROM pg_database WHERE datname = :n", n=PG_NAME)
        )
        if (
            all(stamp.get(k) == v for k, v in want.items())
            and datetime.now(UTC) - made < MAX_AGE
            and exists
            and accounts.exists()
        ):
            print(f"{kind}: reusing the data set made {made:%Y-%m-%d %H:%M} UTC ({stamp_path})")
            return url, accounts, stamp["rows"]
    except (OSError, ValueError, KeyError):
        pass
    print(f"{kind}: generating the data set (a few minutes)", flush=True)
    stamp_path.unlink(missing_ok=True)
    result = generate.generate(
        url,
        size,
        seed=seed,
        jobs=jobs,
        replace=True,
        accounts_path=accounts,
        check=False,
        config={"SECRET_KEY": SECRET_KEY},
        out=lambda line: print(f"  {line}", flush=True),
    )
    rows = sum(result.counted.values())
    stamp = {**want, "generated_at": datetime.now(UTC).isoformat(), "rows": rows}
    stamp_path.write_text(json.dumps(stamp, indent=1) + "\n")
    return url, accounts, rows


def server_env(database_url: str, port: int) -> dict[str, str]:
    """Development settings (``CONTINUUM_ENV`` unset) on the data set, with the bench key."""
    env = {k: v for k, v in os.environ.items() if k != "CONTINUUM_ENV"}
    env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY)
    env["BASE_URL"] = f"http://127.0.0.1:{port}"
    return env


def release(database_url: str) -> None:
    """The Procfile's release step: migrate, then load the exercise library."""
    env = server_env(database_url, 0)
    flask = [str(BIN / "flask"), "--app", "webapp"]
    for command in (["db", "upgrade"], ["exercises", "load"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)


def working_copy(kind: str, url: str, folder: Path) -> str:
    """A copy of the data set for this run (the load test writes), made from the pristine one."""
    if kind == "sqlite":
        target = folder / "run.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        source = make_url(url).database or ""
        for suffix in ("", "-wal"):  # a WAL left by a crash holds committed rows too
            if Path(source + suffix).exists():
                shutil.copyfile(source + suffix, f"{target}{suffix}")
        return f"sqlite:///{target}"
    run = f"{PG_NAME}_run"
    pg_admin(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{run}" TEMPLATE "{PG_NAME}" STRATEGY FILE_COPY')
    return pg_url(run)


def drop_copy(kind: str, url: str) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
    else:
        pg_admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def prepare(
    kind: str, size: generate.Size, seed: int, folder: Path, copy_folder: Path, jobs: int
) -> DataSet:
    """Make or reuse the data set, copy it for this run, and migrate the copy (a migration
    newer than the data set is applied as a release would apply it)."""
    url, accounts_path, rows = pristine(kind, size, seed, folder, jobs)
    began = time.perf_counter()
    run_url = working_copy(kind, url, copy_folder)
    release(run_url)
    print(f"{kind}: copied and migrated in {time.perf_counter() - began:.1f} s", flush=True)
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    return DataSet(label, run_url, json.loads(accounts_path.read_text()), rows)


# --- Serving --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(
    app: str, database_url: str, workers: int, access_log: Path, server_log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """The Procfile's web command on a free loopback port; returns once it answers."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        ACCESS_FORMAT,
        app,
    ]
    with server_log.open("ab") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_env(database_url, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    probe = "/healthz" if app.startswith("webapp") else "/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(base + probe, timeout=10).ok:
                return server, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {server_log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- Loading --------------------------------------------------------------------------------------


def cast(accounts: dict[str, Any], settings: Settings, phase: str) -> dict[str, Any]:
    """Who signs in for each virtual user: a few clients each, or a few therapists each with
    the ids of their clients (for the brief)."""
    rng = random.Random(settings.seed)
    therapist_users = settings.therapists if phase == "mixed" else 0
    client_users = settings.users - therapist_users
    clients = [c for c in accounts["clients"] if not c.get("stopped_logging")] or list(
        accounts["clients"]
    )
    picked = rng.sample(clients, min(len(clients), client_users * settings.clients_each))
    teams: dict[int, list[int]] = defaultdict(list)
    for client in accounts["clients"]:
        for member in client["team"]:
            teams[member].append(client["id"])
    staff = [s for s in accounts["staff"] if s["role"] == "therapist" and teams[s["id"]]]
    chosen = rng.sample(staff, min(len(staff), therapist_users * settings.therapists_each))
    return {
        "users": {"client": client_users, "therapist": therapist_users},
        "client": [
            [{"email": c["email"]} for c in picked[n::client_users]] for n in range(client_users)
        ],
        "therapist": [
            [{"email": s["email"], "clients": teams[s["id"]]} for s in chosen[n::therapist_users]]
            for n in range(therapist_users)
        ],
        "password": accounts["password"],
        "totp_secret": accounts["totp_secret"],
    }


def run_locust(
    phase: str, base: str, plan: dict[str, Any], settings: Settings, folder: Path
) -> dict[str, Any]:
    """Run locust headless for one phase; the samples its controller wrote."""
    users = sum(plan["users"].values())
    output = folder / f"{phase}-samples.json"
    plan = {
        **plan,
        "phase": phase,
        "base": base,
        "warmup": settings.warmup,
        "duration": settings.duration,
        "wait": settings.wait,
        "sync_batch": settings.sync_batch,
        "sign_in_limit": 120,
        "output": str(output),
    }
    plan_path = folder / f"{phase}-plan.json"
    plan_path.write_text(json.dumps(plan))
    classes = {"bare": ["BareUser"], "today": ["ClientUser"]}.get(
        phase, ["ClientUser", "TherapistUser"]
    )
    limit = plan["sign_in_limit"] + settings.warmup + settings.duration + 30
    command = [
        str(BIN / "locust"),
        "--locustfile",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{int(limit)}s",
        "--host",
        base,
        "--loglevel",
        "WARNING",
        *classes,
    ]
    env = dict(os.environ, LOAD_PLAN=str(plan_path))
    with (folder / f"{phase}-locust.log").open("wb") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if not output.exists():
        raise SystemExit(f"locust wrote no samples; see {folder / f'{phase}-locust.log'}")
    return json.loads(output.read_text())


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (``p`` from 0 to 100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def action_of(method: str, path: str) -> str:
    for name, wanted, pattern in ACTIONS:
        if method == wanted and pattern.fullmatch(path):
            return name
    return f"other {method} {path}"


def server_times(access_log: Path, phase: str) -> tuple[dict[str, list[float]], Counter[str]]:
    """Milliseconds per action from the access log, inside ``phase``'s markers; and the
    count of answers that were neither 2xx nor 3xx, per action and status."""
    times: dict[str, list[float]] = defaultdict(list)
    bad: Counter[str] = Counter()
    inside = False
    for line in access_log.read_text().splitlines():
        marked = MARK.match(line)
        if marked:
            if marked.group(1) == phase:
                inside = marked.group(2) == "start"
            continue
        if not inside:
            continue
        try:
            method, path, status, micros = line.split(" ")
        except ValueError:
            continue
        action = action_of(method, path)
        times[action].append(int(micros) / 1000)
        if not 200 <= int(status) < 400:
            bad[f"{action} {status}"] += 1
    return times, bad


def summarise(
    phase: str,
    samples: dict[str, Any],
    times: dict[str, list[float]],
    bad: Counter[str],
) -> Phase:
    """Per action: requests, requests per second, server and client percentiles, failures."""
    seconds = samples["ended"] - samples["started"]
    result = Phase(phase, seconds, {k: round(v, 3) for k, v in samples["cpu"].items()})
    for name in sorted(set(samples["samples"]) | set(times), key=order):
        client = samples["samples"].get(name, [])
        server = times.get(name, [])
        statuses = samples["statuses"].get(name, {})
        refused = sum(n for code, n in statuses.items() if not 200 <= int(code) < 400)
        failed = sum(samples["failures"].get(name, {}).values())
        row: dict[str, Any] = {
            "requests": len(client),
            "rps": len(client) / seconds,
            "server_requests": len(server),
            "failed": max(refused, failed)
            + sum(n for key, n in bad.items() if key.startswith(f"{name} ")),
        }
        for label, values in (("server", server), ("client", client)):
            for p in (50, 95, 99):
                row[f"{label}_p{p}"] = percentile(values, p) if values else None
        result.actions[name] = row
        for message, n in samples["failures"].get(name, {}).items():
            result.errors.append(f"{name}: {n} × {message}")
    result.errors += [f"server log: {n} × {key}" for key, n in bad.items()]
    return result


def order(name: str) -> tuple[int, str]:
    names = [a[0] for a in ACTIONS]
    return (names.index(name) if name in names else len(names), name)


def log_problems(server_log: Path) -> tuple[int, list[str]]:
    """ "database is locked" lines, and the first lines of any traceback, in the server's log."""
    lines = server_log.read_text(errors="replace").splitlines()
    locks = sum("database is locked" in line for line in lines)
    tracebacks = [lines[i + 1 : i + 3] for i, line in enumerate(lines) if "Traceback" in line]
    return locks, [" / ".join(t) for t in tracebacks[:5]]


def load_phase(
    phase: str,
    app: str,
    data: DataSet,
    settings: Settings,
    folder: Path,
) -> Phase:
    """Serve ``app``, run one phase of locust against it, and read both sides' figures."""
    access_log = folder / f"{phase}-access.log"
    server_log = folder / f"{phase}-server.log"
    server, base = serve(app, data.url, settings.workers, access_log, server_log)
    url = make_url(data.url)
    try:
        if phase == "bare":
            plan: dict[str, Any] = {"users": {"bare": settings.users}}
        else:
            plan = cast(data.accounts, settings, phase)
        plan["server_session"] = server.pid  # gunicorn leads a session of its own
        plan["database"] = url.database if url.get_backend_name() == "postgresql" else None
        samples = run_locust(phase, base, plan, settings, folder)
    finally:
        stop(server)
    if samples["problems"]:
        raise SystemExit(f"{phase}: {'; '.join(samples['problems'][:5])} (see {folder})")
    times, bad = server_times(access_log, phase)
    result = summarise(phase, samples, times, bad)
    result.locks, tracebacks = log_problems(server_log)
    result.errors += [f"traceback: {t}" for t in tracebacks]
    if result.locks:
        result.errors.append(f"server log: {result.locks} × database is locked")
    return result


# --- Reporting ------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def verdicts(phases: dict[str, Phase]) -> list[tuple[str, bool]]:
    """The issue's targets (set for SQLite), each with whether this run met it."""
    mixed = phases["mixed"].actions
    limits = {name: TARGET_CLIENT_P95 for name in CLIENT_PAGES} | {"brief": TARGET_BRIEF_P95}
    found = []
    for name, limit in limits.items():
        p95 = (mixed.get(name) or {}).get("server_p95")
        if p95 is not None:
            found.append((f"{name}: server p95 {p95:.1f} ms ≤ {limit:.0f}", p95 <= limit))
    share = today_share(phases)
    found.append(
        (
            f"Today {share:.0%} of the bare app's requests per second ≥ {TARGET_TODAY_SHARE:.0%}",
            share >= TARGET_TODAY_SHARE,
        )
    )
    errors = sum(len(p.errors) for p in phases.values())
    found.append((f"{errors} errors (non-2xx/3xx, failures, locks, tracebacks)", errors == 0))
    return found


def today_share(phases: dict[str, Phase]) -> float:
    bare = phases["bare"].actions["bare"]["rps"]
    return phases["today"].actions["today"]["rps"] / bare if bare else 0.0


def report(
    data: DataSet, phases: dict[str, Phase], settings: Settings, command: str
) -> tuple[str, dict[str, Any]]:
    """The Markdown table and the JSON record of one database's run."""
    size = data.accounts["size"]
    now = datetime.now(UTC)
    share = today_share(phases)
    lines = [
        f"## Load test on {data.label}, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"locust {metadata.version('locust')}, gunicorn {metadata.version('gunicorn')}.",
        f"- Data: {size['centres']} centres, {size['therapists']} therapists, "
        f"{size['clients']:,} clients, {size['days']} days ({data.rows:,} rows, "
        f"`bench/generate.py`, seed {data.accounts['seed']}).",
        f"- Server: `gunicorn --config gunicorn.conf.py --workers {settings.workers}` (sync "
        "workers) on loopback, for the app and the bare Flask app alike.",
        f"- Load: {settings.users} locust users, think time {settings.wait:g} s; mixed = "
        f"{settings.users - settings.therapists} clients (Today, pain log, exercise tick, sync "
        f"of {settings.sync_batch}, diary, sessions) + {settings.therapists} therapists "
        f"(caseload, brief); {settings.warmup:g} s warm-up then {settings.duration:g} s "
        "measured per phase.",
        f"- Command: `{command}`",
        f"- Cores used in each measured window (of {os.cpu_count()}; other = other processes, "
        "and kernel time charged to none, such as loopback networking): "
        + "; ".join(
            f"{p.name}: " + ", ".join(f"{k} {v:.2f}" for k, v in p.cpu.items() if v >= 0.005)
            for p in phases.values()
        )
        + ".",
        "",
        "| phase | action | requests | req/s | server p50 / p95 / p99 ms "
        "| client p50 / p95 / p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for phase in phases.values():
        for name, row in phase.actions.items():
            server = " / ".join(ms(row[f"server_p{p}"]) for p in (50, 95, 99))
            client = " / ".join(ms(row[f"client_p{p}"]) for p in (50, 95, 99))
            lines.append(
                f"| {phase.name} | {name} | {row['requests']} | {row['rps']:.1f} | {server} "
                f"| {client} | {row['failed']} |"
            )
        total = sum(r["requests"] for r in phase.actions.values())
        if len(phase.actions) > 1:
            lines.append(
                f"| {phase.name} | all | {total} | {total / phase.seconds:.1f} | | | "
                f"{sum(r['failed'] for r in phase.actions.values())} |"
            )
    bare = phases["bare"].actions["bare"]["rps"]
    cpu = {name: phase.cpu_ms for name, phase in phases.items()}
    lines += [
        "",
        f"Today alone: {phases['today'].actions['today']['rps']:.1f} req/s, bare Flask "
        f"{bare:.1f} req/s: **{share:.0%}** of the baseline. Server CPU per request: bare "
        f"{cpu['bare']:.2f} ms, Today {cpu['today']:.1f} ms, mixed {cpu['mixed']:.1f} ms "
        f"(Today costs {cpu['today'] / max(cpu['bare'], 1e-9):.0f}× the bare page). "
        f'"database is locked": {sum(p.locks for p in phases.values())}.',
        "",
        "Targets (server time in the mixed phase; the issue sets them for SQLite):",
        "",
    ]
    lines += [f"- {'met' if ok else 'MISSED'}: {what}" for what, ok in verdicts(phases)]
    errors = [f"{p.name}: {e}" for p in phases.values() for e in p.errors]
    if errors:
        lines += ["", "Errors:", ""] + [f"- {e}" for e in errors]
    record = {
        "database": data.label,
        "date": now.isoformat(),
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "size": size,
        "rows": data.rows,
        "settings": asdict(settings),
        "command": command,
        "phases": {name: asdict(p) for name, p in phases.items()},
        "today_share": share,
        "server_cpu_ms_per_request": cpu,
        "targets": [{"target": what, "met": ok} for what, ok in verdicts(phases)],
    }
    return "\n".join(lines) + "\n", record


def run(
    kind: str,
    settings: Settings,
    size: generate.Size = generate.Size(),  # noqa: B008 (frozen)
    *,
    data_folder: Path = DATA,
    results: Path = RESULTS,
    jobs: int = max((os.cpu_count() or 1) - 1, 1),
    keep: bool = False,
    command: str = "python bench/load.py",
) -> tuple[str, dict[str, Any]]:
    """The three phases on one database; writes and returns the table and the record."""
    folder = Path(tempfile.mkdtemp(prefix=f"continuum-load-{kind}-"))
    try:
        data = prepare(kind, size, settings.seed, data_folder, folder, jobs)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    phases: dict[str, Phase] = {}
    try:
        phases["bare"] = load_phase("bare", "bench.bare:create_app()", data, settings, folder)
        for phase in ("today", "mixed"):
            phases[phase] = load_phase(phase, "webapp:create_app()", data, settings, folder)
    except BaseException:
        print(f"the load test stopped; logs: {folder}")
        raise
    finally:
        drop_copy(kind, data.url)
    table, record = report(data, phases, settings, command)
    results.mkdir(parents=True, exist_ok=True)
    (results / f"load-{kind}.md").write_text(table)
    (results / f"load-{kind}.json").write_text(json.dumps(record, indent=1) + "\n")
    if keep:
        print(f"logs: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return table, record


def postgres_answers() -> bool:
    try:
        pg_admin("SELECT 1")
    except Exception:  # any failure means: no PostgreSQL here
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Settings()
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--therapists", type=int, default=defaults.therapists)
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds")
    parser.add_argument("--wait", type=float, default=defaults.wait, help="think time, s")
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--keep", action="store_true", help="keep the logs and samples")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    settings = Settings(
        users=args.users,
        therapists=args.therapists,
        warmup=args.warmup,
        duration=args.duration,
        wait=args.wait,
        workers=args.workers,
    )
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in kinds and not postgres_answers():
        if args.database == "postgresql" or os.environ.get("CI") == "true":
            raise SystemExit("no PostgreSQL answers on 127.0.0.1:5432")
        print("no PostgreSQL on 127.0.0.1:5432: SQLite only")
        kinds.remove("postgresql")
    command = "python bench/load.py " + " ".join(sys.argv[1:])
    for kind in kinds:
        table, _record = run(kind, settings, keep=args.keep, command=command.strip())
        print("\n" + table)
        print(f"written: {RESULTS.relative_to(ROOT)}/load-{kind}.md and .json")


if __name__ == "__main__":
    main()
