"""The password rules people see."""

from __future__ import annotations

import pytest

from webapp.auth.passwords import hash_password
from webapp.auth.passwords import password_problem
from webapp.auth.passwords import verify_password


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short", "at least 10"),
        ("password123", "too common"),
        ("QWERTYUIOP", "too common"),
        ("aaaaaaaaaaaa", "repeats"),
        ("ababababababab", "repeats"),
        ("me@example.test", None),
        ("x" * 129, "at most"),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_password_cannot_be_the_email() -> None:
    assert "email" in (password_problem("me@example.test", "Me@Example.test") or "")


def test_a_long_passphrase_is_fine() -> None:
    assert password_problem("tea kettle mountain river") is None


def test_verify_accepts_only_the_right_password() -> None:
    stored = hash_password("tea kettle mountain", "cheapest")
    assert verify_password(stored, "tea kettle mountain", "cheapest")
    assert not verify_password(stored, "tea kettle mountaiN", "cheapest")
    assert not verify_password(None, "tea kettle mountain", "cheapest")
    assert not verify_password("not-a-hash", "tea kettle mountain", "cheapest")
