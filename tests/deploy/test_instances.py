"""Several web instances share one PostgreSQL database: a sign-in made on one holds on the
others, signing out on one ends it on all, and sign-in limits count across them all."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.deploy.conftest import Seeded
from tests.deploy.conftest import csrf_token
from tests.deploy.conftest import sign_in
from tests.deploy.servers import web_instance


def test_a_session_made_on_one_instance_works_on_another_and_ends_on_all(
    shared_database: Seeded, tmp_path: Path
) -> None:
    with (
        web_instance(shared_database.url, tmp_path / "a.log") as a,
        web_instance(shared_database.url, tmp_path / "b.log") as b,
    ):
        answer = sign_in(a, shared_database.client_email)
        assert answer.status_code == 302
        http: requests.Session = answer.session  # type: ignore[attr-defined]
        for base in (a, b):
            today = http.get(f"{base}/today", allow_redirects=False, timeout=10)
            assert today.status_code == 200, base

        token = csrf_token(http.get(f"{b}/today", timeout=10).text)
        signed_out = http.post(
            f"{b}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10
        )
        assert signed_out.status_code == 302
        # The old cookie, replayed on the other instance, opens nothing.
        replay = requests.get(
            f"{a}/today", cookies=answer.cookies, allow_redirects=False, timeout=10
        )
        assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_the_sign_in_limit_counts_tries_on_every_instance(
    shared_database: Seeded, tmp_path: Path
) -> None:
    with (
        web_instance(shared_database.url, tmp_path / "a.log") as a,
        web_instance(shared_database.url, tmp_path / "b.log") as b,
    ):
        email = shared_database.client_email
        statuses = [sign_in((a, b)[n % 2], email, "not the password").status_code for n in range(5)]
        assert statuses == [422] * 5  # five wrong passwords, spread over both instances
        # The sixth try is refused wherever it lands, even with the right password.
        assert sign_in(a, email).status_code == 429
        assert sign_in(b, email).status_code == 429
