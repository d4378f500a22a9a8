"""Lighthouse scores for the pages a client and a physio live in (issue #10; target: mobile
performance ≥ 95, accessibility, best practices and SEO 100 on every page measured).

Seeds a fresh SQLite file with the demo company, serves it with gunicorn as the Procfile's
``web`` process does (on a free loopback port), signs Alex Morgan (client) and Sam Patel
(physio, with the demo staff key's code) in with ``requests``, and runs the npm ``lighthouse``
package on Debian's Chromium (mobile form factor, default simulated throttling), the session
cookie given as an extra header. Prints one row per page: the four category scores, LCP and the
bytes transferred (as gunicorn sends them: the app does not compress, a proxy in front may).

Lighthouse is installed into ``bench/.node`` (not committed, no lockfile) when missing; it needs
Node.js and npm. Usage: make bench   (or python bench/lighthouse.py [--keep])
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyotp
import requests
from flask_migrate import upgrade
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402
from webapp.demo import services as demo  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.library import services as library  # noqa: E402
from webapp.models import Prescription  # noqa: E402
from webapp.models import Programme  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import now_utc  # noqa: E402

LIGHTHOUSE = "12.8.2"  # 13 needs Node.js 22.19+; this machine has 20, Debian 12 has 18
NODE_DIR = Path(__file__).resolve().parent / ".node"
LIGHTHOUSE_BIN = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CLIENT = "Alex Morgan"
PHYSIO = "Sam Patel"
ATTEMPTS = 3

# (label, who is signed in, path); ids are filled in once the demo is seeded.
PAGES = [
    ("sign-in", None, "/login"),
    ("Today", CLIENT, "/today"),
    ("exercise", CLIENT, "/exercises/{rx}"),
    ("diary", CLIENT, "/diary"),
    ("sessions", CLIENT, "/sessions"),
    ("brief (physio)", PHYSIO, "/clients/{client}/brief"),
]


def installed_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "lighthouse" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_lighthouse() -> None:
    """Install the pinned Lighthouse into bench/.node unless it is there already."""
    if installed_version() == LIGHTHOUSE and LIGHTHOUSE_BIN.exists():
        return
    if not shutil.which("npm"):
        sys.exit("Lighthouse needs Node.js and npm (apt-get install nodejs npm)")
    print(f"installing lighthouse {LIGHTHOUSE} into {NODE_DIR.relative_to(ROOT)}", flush=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(NODE_DIR),
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"lighthouse@{LIGHTHOUSE}",
        ],
        check=True,
    )


def seed(folder: Path, secret_key: str) -> tuple[str, dict[str, int]]:
    """A fresh SQLite file with the library and the demo company; its URL and the page ids.

    The server must run with the same ``secret_key``: staff TOTP secrets are sealed with it.
    """
    url = f"sqlite:///{folder / 'lighthouse.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key})
    with app.app_context():
        upgrade()
        root = Path(app.config["EXERCISES_DIR"])
        library.load(db.session, root)
        demo.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        db.session.commit()
        client = db.session.scalar(select(User.id).where(User.name == CLIENT))
        rx = db.session.scalar(
            select(Prescription.id)
            .join(Prescription.programme)
            .where(Programme.client_id == client, Prescription.ended_at.is_(None))
            .order_by(Prescription.id)
        )
        db.engine.dispose()
    return url, {"client": client, "rx": rx}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, secret_key: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """The Procfile's web command, bound to loopback; returns once it answers."""
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret_key)
    env["BASE_URL"] = f"http://localhost:{port}"
    with log.open("ab") as output:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "3"),
                "--access-logfile",
                "-",
                "webapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).ok:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(server)
    sys.exit(f"gunicorn did not answer within 60 s; see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(base: str, name: str) -> str:
    """Sign ``name`` in through the forms (staff give a code too); the Cookie header to send."""
    http = requests.Session()

    def post(path: str, data: dict[str, str]) -> requests.Response:
        page = http.get(base + path, timeout=30)
        token = CSRF.search(page.text)
        assert token, f"no CSRF token on {path}"
        return http.post(
            base + path,
            data={"csrf_token": token.group(1), **data},
            headers={"Referer": base + path},
            allow_redirects=False,
            timeout=30,
        )

    response = post("/login", {"email": demo.email_for(name), "password": demo.password_for(name)})
    assert response.status_code == 302, f"{name}: sign-in failed ({response.status_code})"
    if response.headers["Location"].endswith("/login/code"):
        response = post("/login/code", {"code": pyotp.TOTP(demo.DEMO_TOTP_SECRET).now()})
        assert response.status_code == 302, f"{name}: the second step failed"
    assert http.get(base + "/today" if name == CLIENT else base + "/caseload/").ok
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


def lighthouse(url: str, report: Path, headers: Path | None) -> dict:  # type: ignore[type-arg]
    """Run Lighthouse once on ``url`` (mobile, simulated throttling); the JSON report."""
    command = [
        str(LIGHTHOUSE_BIN),
        url,
        "--quiet",
        "--form-factor=mobile",
        "--throttling-method=simulate",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--output=json",
        f"--output-path={report}",
    ]
    if headers:
        command.append(f"--extra-headers={headers}")
    for attempt in range(ATTEMPTS):
        done = subprocess.run(command, check=False, env=dict(os.environ, CHROME_PATH=CHROMIUM))
        if done.returncode == 0:
            return json.loads(report.read_text())
        # Now and then the trace misses the navigation (NO_NAVSTART) on a busy machine.
        print(f"{url}: Lighthouse failed (attempt {attempt + 1} of {ATTEMPTS})", flush=True)
    sys.exit(f"Lighthouse failed {ATTEMPTS} times on {url}")


def row(label: str, result: dict) -> dict:  # type: ignore[type-arg]
    """Scores (0–100), LCP in ms and total bytes from one Lighthouse report."""
    audits = result["audits"]
    scores = {key: result["categories"][key]["score"] for key in CATEGORIES}
    failing = sorted(
        audit_id
        for category in CATEGORIES[1:]
        for ref in result["categories"][category]["auditRefs"]
        if ref["weight"]
        and (audit_id := ref["id"])
        and audits[audit_id]["score"] is not None
        and audits[audit_id]["score"] < 1
    )
    return {
        "page": label,
        "url": result["finalDisplayedUrl"],
        **{key: round(value * 100) if value is not None else None for key, value in scores.items()},
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "total_kb": round(audits["total-byte-weight"]["numericValue"] / 1024, 1),
        "failing": failing,
        "runtime_error": (result.get("runtimeError") or {}).get("message"),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the reports and database")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit("Debian's Chromium is missing (make browser)")
    ensure_lighthouse()
    folder = Path(tempfile.mkdtemp(prefix="continuum-lighthouse-"))
    secret_key = secrets.token_urlsafe(32)
    database_url, ids = seed(folder, secret_key)
    port = free_port()
    # "localhost", not 127.0.0.1: a secure context for the browser and for Lighthouse alike.
    base = f"http://localhost:{port}"
    server = serve(database_url, secret_key, port, folder / "gunicorn.log")
    rows = []
    try:
        headers: dict[str, Path] = {}
        for name in (CLIENT, PHYSIO):
            path = folder / f"headers-{name.split()[0].lower()}.json"
            path.write_text(json.dumps({"Cookie": sign_in(base, name)}))
            headers[name] = path
        for label, who, template in PAGES:
            if args.only and args.only.lower() not in label.lower():
                continue
            url = base + template.format(**ids)
            report = folder / f"{label.split()[0]}.json"
            result = lighthouse(url, report, headers.get(who))
            # A lost session would measure the sign-in page under another page's name.
            landed = result["finalDisplayedUrl"]
            assert landed == url, f"{url} ended at {landed}"
            rows.append(row(label, result))
    finally:
        stop(server)
    summary = {
        "lighthouse": LIGHTHOUSE,
        "chromium": subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "pages": rows,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nLighthouse {LIGHTHOUSE} (mobile, simulated throttling), {summary['chromium']}, "
        f"{summary['machine']}"
    )
    print("| page | performance | accessibility | best practices | SEO | LCP ms | total KB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['page']} | {r['performance']} | {r['accessibility']} | {r['best-practices']} "
            f"| {r['seo']} | {r['lcp_ms']} | {r['total_kb']} |"
        )
    for r in rows:
        if r["failing"] or r["runtime_error"]:
            print(f"{r['page']}: {r['runtime_error'] or ''} failing {', '.join(r['failing'])}")
    if args.keep:
        print(f"reports: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
