"""Sign a bench user in through both steps: staff also give their authenticator's code."""

from __future__ import annotations

import time

import pyotp
from flask.testing import FlaskClient


def sign_in(http: FlaskClient, email: str, password: str, totp_secret: str) -> None:
    """Post the password, then (when asked) the code an app with ``totp_secret`` shows."""
    response = http.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"{email}: sign-in failed"
    if response.headers["Location"] != "/login/code":
        return
    for _ in range(3):
        response = http.post("/login/code", data={"code": pyotp.TOTP(totp_secret).now()})
        if response.status_code == 302:
            return
        time.sleep(30 - time.time() % 30 + 0.1)  # each code works once: wait for the next
    raise AssertionError(f"{email}: the second step failed")
