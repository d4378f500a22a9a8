"""The Procfile's web process really serves the app, with its gunicorn config."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_web_process_serves_healthz(sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "web.db"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = (
        line.removeprefix("web:").strip().replace("0.0.0.0:${PORT:-8000}", f"127.0.0.1:{port}")
    )
    command = command.replace("${WEB_CONCURRENCY:-3}", "2")
    binary = Path(sys.executable).parent / "gunicorn"
    args = shlex.split(command)
    args[0] = str(binary)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CONTINUUM_ENV": "development"}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        body = b""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.1)
        assert b'"db":"ok"' in body.replace(b" ", b""), log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
