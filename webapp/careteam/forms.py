"""Forms for session notes, addenda and referrals."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..diary.measures import BODY_REGIONS
from ..fields import RequestKey
from ..models import Urgency
from .services import LINE_MAX
from .services import TEXT_MAX


def _text(
    label: str, limit: int, rows: int, description: str = "", required: str = ""
) -> TextAreaField:
    validators = [DataRequired(required)] if required else []
    validators.append(Length(max=limit, message=f"Keep it under {limit} characters."))
    return TextAreaField(
        label,
        validators=validators,
        description=description,
        render_kw={"rows": rows, "maxlength": limit},
    )


class NoteForm(FlaskForm):
    appointment_id = SelectField("Visit", coerce=int)
    treatment = _text("What you did", TEXT_MAX, 3, required="Write what you did.")
    findings = _text("Findings", TEXT_MAX, 3)
    plan = _text("Plan", TEXT_MAX, 2)
    handover = _text(
        "Handover to the other discipline",
        LINE_MAX,
        2,
        "One or two lines the massage therapist or physiotherapist should know before they see "
        "the client next.",
    )
    client_summary = _text(
        "What we did today",
        TEXT_MAX,
        3,
        "Optional. The client sees this and the next box on their phone; write it for them.",
    )
    client_next_steps = _text("What to do before next time", TEXT_MAX, 3)
    request_key = RequestKey()


class AddendumForm(FlaskForm):
    text = _text("Addendum", TEXT_MAX, 2, required="Write the addendum.")
    request_key = RequestKey()


class ReferralForm(FlaskForm):
    reason = _text("Reason", LINE_MAX, 2, required="Say why you are referring.")
    body_region = SelectField(
        "Body region",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(key, label) for key, (label, _side) in BODY_REGIONS.items()],
        validators=[DataRequired("Choose the body region.")],
    )
    urgency = RadioField(
        "How soon",
        choices=[SelectChoice(u.value, u.label) for u in Urgency],
        default=Urgency.ROUTINE.value,
        validators=[InputRequired("Choose how soon.")],
    )
    focus = _text("Suggested focus", LINE_MAX, 2)
    request_key = RequestKey()


class AcknowledgeForm(FlaskForm):
    """Acknowledging a referral carries no data."""
