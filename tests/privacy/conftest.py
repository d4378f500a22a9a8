"""The local mail server and push keys the reminder passes need, and the London care team."""

from __future__ import annotations

from tests.reminders.conftest import smtp
from tests.reminders.conftest import vapid
from tests.reminders.test_delivery import clinic
from tests.sessions.conftest import london

__all__ = ["clinic", "london", "smtp", "vapid"]
