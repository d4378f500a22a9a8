"""Days as the client lives them: their centre's zone, weeks from Monday."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
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


def to_utc(day: date, clock: time, timezone: str) -> datetime:
    """The instant a wall-clock time on ``day`` names in ``timezone``, in UTC.

    At a daylight-saving change a clock time can be missing or happen twice. A missing
    time (the hour the clocks skip) is read with the offset before the change, so it lands
    that many minutes later (01:30 on the morning London springs forward is 02:30 BST); a
    repeated time means its first occurrence (``fold=0``).
    """
    local = datetime.combine(day, clock, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def wall_clock(moment: datetime, timezone: str) -> datetime:
    """``moment`` as the clock on the wall in ``timezone`` shows it."""
    return moment.astimezone(ZoneInfo(timezone))


def staff_timezone(user: User) -> str:
    """The zone a staff member's day is counted in: their first centre's, else UTC."""
    return user.centres[0].timezone if user.centres else "UTC"
