"""Forms for booking, moving, cancelling and recording visits."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..fields import RequestKey
from ..fields import WholeNumber
from ..models import AppointmentKind
from ..models import AppointmentStatus
from .booking import MAX_SERIES
from .booking import PATTERNS

MINUTES = [SelectChoice(m, f"{m} minutes") for m in (30, 45, 60, 90)]


class _When(FlaskForm):
    starts_on = DateField("Date", validators=[InputRequired("Choose the date.")])
    starts_at = TimeField(
        "Time",
        validators=[InputRequired("Choose the time.")],
        description="At the centre, in its local time.",
    )


class _Team(_When):
    massage_id = SelectField("Massage therapist", coerce=int, validators=[Optional()])
    physio_id = SelectField("Physiotherapist", coerce=int, validators=[Optional()])
    massage_minutes = SelectField("Massage", choices=MINUTES, coerce=int, default=30)
    physio_minutes = SelectField("Physiotherapy", choices=MINUTES, coerce=int, default=30)
    order = RadioField(
        "In a combined visit, first",
        choices=[SelectChoice("massage", "Massage"), SelectChoice("physio", "Physiotherapy")],
        default="massage",
        validators=[InputRequired("Choose who sees the client first.")],
    )
    request_key = RequestKey()


class BookingForm(_Team):
    kind = RadioField(
        "Kind of visit",
        choices=[SelectChoice(k.value, k.label) for k in AppointmentKind],
        default=AppointmentKind.COMBINED.value,
        validators=[InputRequired("Choose the kind of visit.")],
    )


class SeriesForm(_Team):
    pattern = RadioField(
        "Plan",
        choices=[SelectChoice(p.key, p.label) for p in PATTERNS.values()],
        validators=[InputRequired("Choose a plan.")],
    )
    count = WholeNumber(
        "How many visits",
        default=6,
        validators=[
            InputRequired(f"Enter a number from 1 to {MAX_SERIES}."),
            NumberRange(1, MAX_SERIES, f"Book between 1 and {MAX_SERIES} visits at a time."),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_SERIES},
    )
    every_weeks = SelectField(
        "For maintenance, every",
        choices=[SelectChoice(n, f"{n} weeks") for n in (2, 3, 4)],
        coerce=int,
        default=3,
    )


SCOPES = [
    SelectChoice("this", "Only this visit"),
    SelectChoice("rest", "This and the later visits in the series"),
]


class MoveForm(_When):
    scope = RadioField("Which visits", choices=SCOPES, default="this")


class CancelForm(FlaskForm):
    status = RadioField(
        "Who cancelled",
        choices=[
            SelectChoice(AppointmentStatus.CANCELLED_BY_CLIENT.value, "The client"),
            SelectChoice(AppointmentStatus.CANCELLED_BY_CLINIC.value, "The clinic"),
        ],
        validators=[InputRequired("Say who cancelled.")],
    )
    scope = RadioField("Which visits", choices=SCOPES, default="this")


class OutcomeForm(FlaskForm):
    status = RadioField(
        "How it went",
        choices=[
            SelectChoice(AppointmentStatus.ATTENDED.value, "Attended"),
            SelectChoice(AppointmentStatus.NO_SHOW.value, "Missed"),
        ],
        validators=[InputRequired("Choose attended or missed.")],
    )


class FeedForm(FlaskForm):
    """Make or stop the private calendar link (the buttons carry no data)."""
