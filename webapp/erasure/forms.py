"""The admin's confirmation before an erasure is carried out."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class CompleteForm(FlaskForm):
    confirm = BooleanField(
        "I have checked this is the right client, and I understand erasure can't be undone",
        validators=[DataRequired("Tick the box to confirm before erasing.")],
    )
