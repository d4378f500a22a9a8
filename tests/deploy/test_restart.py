"""PostgreSQL restarts under load: requests fail while it is down, and none fail once it is
back (``pool_pre_ping`` replaces the dead pooled connections). The test runs a cluster of its
own, so stopping it disturbs nothing else on the machine."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import IN_CI
from tests.deploy.conftest import seed
from tests.deploy.conftest import sign_in
from tests.deploy.servers import can_run_a_cluster
from tests.deploy.servers import private_cluster
from tests.deploy.servers import web_instance

USERS = 4


@dataclass(frozen=True)
class Result:
    started: float
    finished: float
    status: int  # 0: no HTTP answer at all


def load(
    base: str,
    cookies: requests.cookies.RequestsCookieJar,
    stop: threading.Event,
    results: list[Result],
) -> None:
    """One user: Today and the health check, back to back, until told to stop."""
    http = requests.Session()
    http.cookies.update(cookies)
    paths = ("/today", "/healthz")
    n = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            status = http.get(base + paths[n % 2], allow_redirects=False, timeout=10).status_code
        except requests.RequestException:
            status = 0
        results.append(Result(started, time.monotonic(), status))
        n += 1


def test_the_app_recovers_without_errors_once_postgresql_is_back(tmp_path: Path) -> None:
    problem = can_run_a_cluster()
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    with private_cluster() as cluster:
        seeded = seed(cluster.url)
        with web_instance(cluster.url, tmp_path / "web.log", workers=2, threads=4) as base:
            signed_in = sign_in(base, seeded.client_email)
            assert signed_in.status_code == 302
            cookies = signed_in.session.cookies  # type: ignore[attr-defined]
            stop = threading.Event()
            results: list[Result] = []
            users = [
                threading.Thread(target=load, args=(base, cookies, stop, results))
                for _ in range(USERS)
            ]
            for user in users:
                user.start()
            time.sleep(3)
            down_at = time.monotonic()
            cluster.stop("fast")
            time.sleep(2)
            cluster.start()
            back_at = time.monotonic()
            time.sleep(5)
            stop.set()
            for user in users:
                user.join(timeout=15)

    before = [r for r in results if r.finished < down_at]
    during = [r for r in results if r.finished >= down_at and r.started < back_at]
    after = [r for r in results if r.started >= back_at]
    assert before and after
    assert {r.status for r in before} == {200}
    failed_after = [r for r in after if r.status != 200]
    first_ok = min(r.started for r in after if r.status == 200)
    print(
        f"\nPostgreSQL restart under {USERS} users: {len(before)} requests before, all 200; "
        f"{len(during)} while down ({sum(r.status != 200 for r in during)} failed); "
        f"{len(after)} after it was back, {len(failed_after)} failed; "
        f"first success {first_ok - back_at:.2f} s after it was back"
    )
    assert failed_after == []
