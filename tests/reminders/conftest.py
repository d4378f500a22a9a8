"""The local SMTP server and push service, and a care team in London with a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reminders.sinks import PushSink
from tests.reminders.sinks import SmtpSink
from webapp.reminders import keys


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def push() -> Iterator[PushSink]:
    sink = PushSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def vapid() -> dict[str, str]:
    return keys.generate()
