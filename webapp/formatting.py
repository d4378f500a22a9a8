"""Jinja filters and globals: times shown in the centre's zone, domain labels."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from .models import Appointment
from .models import Discipline
from .models import Role
from .pathway.content import PHASES
from .pathway.content import condition_label
from .pathway.content import phase_info
from .pathway.services import time_in_phase
from .programmes.services import dose_text


def local_date(value: datetime | date | None, timezone: str = "UTC") -> str:
    """Format an instant as a date in ``timezone``, e.g. '3 Nov 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(timezone)).date()
    return f"{value.day} {value:%b %Y}"


def local_datetime(value: datetime | None, timezone: str = "UTC") -> str:
    """Format an instant as date and time in ``timezone``, e.g. '3 Nov 2026, 14:05 GMT'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def local_time(value: datetime | None, timezone: str = "UTC") -> str:
    """Format an instant as the time of day in ``timezone``, e.g. '20:15'."""
    if value is None:
        return ""
    return f"{value.astimezone(ZoneInfo(timezone)):%H:%M}"


def visit_when(appointment: Appointment, style: str = "long") -> str:
    """When a visit is, on the centre's clock: 'Tue 1 Dec 2026, 10:00–11:00 GMT'."""
    timezone = ZoneInfo(appointment.centre.timezone)
    start = appointment.starts_at.astimezone(timezone)
    end = appointment.ends_at.astimezone(timezone)
    if style == "time":
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M} {start:%Z}"


def register_formatting(app: Flask) -> None:
    """Make the filters and domain helpers available to every template."""
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(visit_when, "visit_when")
    app.add_template_global(phase_info)
    app.add_template_global(condition_label)
    app.add_template_global(time_in_phase)
    app.add_template_global(dose_text)
    app.add_template_global(PHASES, "PHASES")
    app.add_template_global(Role, "Role")
    app.add_template_global(Discipline, "Discipline")
    app.add_template_global("htmx-2.0.11.min.js", "HTMX_FILE")
