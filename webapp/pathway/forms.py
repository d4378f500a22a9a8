"""The phase-change form therapists use."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length

from .content import PHASES
from .services import REASON_MAX


class PhaseChangeForm(FlaskForm):
    to_phase = RadioField(
        "Move to",
        choices=[SelectChoice(n, f"Phase {n} · {info.name}") for n, info in PHASES.items()],
        coerce=int,
        validators=[InputRequired("Choose the phase to move to.")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Say why, so the whole care team and the client know."),
            Length(max=REASON_MAX, message=f"Keep the reason under {REASON_MAX} characters."),
        ],
        description="The client sees this on their pathway, so write it for them.",
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )
