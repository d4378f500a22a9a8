"""Days as the client lives them: their centre's zone, weeks from Monday."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from .models import User


def client_timezone(client: User) -> str:
    """The zone a client's days are counted in: their care plan's centre, else UTC."""
    plan = client.active_care_plan
    return plan.centre.timezone if plan is not None else "UTC"


def local_day(moment: datetime, timezone: str) -> date:
    """The client's calendar day at ``moment``."""
    return moment.astimezone(ZoneInfo(timezone)).date()


ONE_DAY = timedelta(days=1)


def week_start(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())
