"""Column types shared by the models."""

from __future__ import annotations

import base64
import functools
from datetime import UTC
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


def now_utc() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always handed back timezone-aware.

    SQLite has no timezone type, so values are stored as naive UTC there and
    tagged with UTC on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@functools.lru_cache(maxsize=4)
def _sealer(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"continuum: secrets at rest"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class SealedString(TypeDecorator[str]):
    """A short secret encrypted at rest with a key derived from the app's SECRET_KEY.

    Fernet (AES-128-CBC with an HMAC): someone holding only the database, a dump or a backup
    can't read the value; the running app can. A value sealed under another SECRET_KEY loads as
    "" (unusable, never an error), so rotating the key means people set the secret up again.
    """

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _sealer(current_app.config["SECRET_KEY"]).encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return _sealer(current_app.config["SECRET_KEY"]).decrypt(value.encode()).decode()
        except InvalidToken:
            return ""
