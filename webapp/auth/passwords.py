"""Password hashing (Argon2id) and the password rules a person sees."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2 import profiles
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

PROFILES = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    # Only for the test suite: same algorithm, tiny cost.
    "cheapest": profiles.CHEAPEST,
}


@cache
def hasher(profile: str) -> PasswordHasher:
    """Return the Argon2id hasher for a named cost profile."""
    return PasswordHasher.from_parameters(PROFILES[profile])


def hash_password(password: str, profile: str) -> str:
    """Hash a password with Argon2id."""
    return hasher(profile).hash(password)


def verify_password(stored_hash: str | None, password: str, profile: str) -> bool:
    """Check a password, spending the same effort whether or not a hash exists."""
    if stored_hash is None:
        # Verify against a decoy so an unknown account takes as long as a known one.
        try:
            hasher(profile).verify(_decoy_hash(profile), password)
        except VerificationError:
            pass
        return False
    try:
        return hasher(profile).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash(profile: str) -> str:
    return hasher(profile).hash("decoy-password-never-matches")


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password, or return None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a short phrase is easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in _common_passwords():
        return "That password is too common. Try a few unrelated words together."
    if email and password.lower() == email.lower():
        return "Your password can't be your email address."
    if len(set(password)) < 4:
        return "That password repeats too few characters to be safe."
    return None
