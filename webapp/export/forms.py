"""The export form: which format, and the password (or a current code) that confirms it's you."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..auth.forms import ConfirmIdentityForm
from ..auth.passwords import MAX_LENGTH
from .formats import CHOICES

CHOOSE = "Choose JSON, CSV or FHIR."


class ExportForm(ConfirmIdentityForm):
    format = RadioField(
        "Format",
        choices=[SelectChoice(value, name) for value, (name, _) in CHOICES.items()],
        validators=[InputRequired(CHOOSE), AnyOf(list(CHOICES), message=CHOOSE)],
        validate_choice=False,  # AnyOf says it in words a client understands
    )

    def __init__(self, *args: Any, two_step: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not two_step:  # no authenticator app: don't ask for its code
            self.answer.label.text = "Your password"
            self.answer.validators = [DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
