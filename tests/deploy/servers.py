"""Real servers for the deployment tests: gunicorn instances of the app, and a PostgreSQL
cluster of the test's own that it may stop and start without disturbing anything else."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout} s")
        time.sleep(0.2)


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment a deployed web process gets: the public contract, plus test speed-ups."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "deployment-test-secret-key-0123456789abcdef",
        "CONTINUUM_PASSWORD_HASH_PROFILE": "cheapest",
        **extra,
    }


@contextmanager
def web_instance(
    database_url: str, log_path: Path, workers: int = 2, threads: int = 2, **extra: str
) -> Iterator[str]:
    """Run the Procfile's ``web`` process (gunicorn, its config) on a free port; yield its URL."""
    port = free_port()
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        [
            str(GUNICORN),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "webapp:create_app()",
        ],
        cwd=PROJECT,
        env=app_environment(database_url, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/healthz")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, run as the ``postgres`` user."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        runner = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        done = subprocess.run([*runner, *command], capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout} {done.stderr}")

    def start(self) -> None:
        assert PG_BIN is not None
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "start",
            "-w",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        assert PG_BIN is not None
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.folder / "data")
        )


def can_run_a_cluster() -> str | None:
    """None if this machine can run a private cluster, else why not."""
    if PG_BIN is None:
        return "PostgreSQL's server binaries are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing"
    return None


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A new cluster (trust authentication on loopback), started; removed afterwards.

    Its folder is made directly in the system's temporary folder: the ``postgres`` user can't
    reach into pytest's own, which only root may enter.
    """
    assert PG_BIN is not None
    folder = Path(tempfile.mkdtemp(prefix="continuum-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port())
    cluster._as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(folder / "data"),
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
    )
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
