"""The client's reminder settings."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import TimeField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from .planning import is_quiet

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ReminderForm(FlaskForm):
    enabled = BooleanField("Send me reminders")
    first_time = TimeField("First reminder", validators=[Optional()])
    second_time = TimeField("Second reminder", validators=[Optional()])
    days = CheckboxList(
        "On these days", choices=[SelectChoice(n, day) for n, day in enumerate(DAYS)], coerce=int
    )
    by_push = BooleanField("On this phone (notifications)")
    by_email = BooleanField("By email")
    quiet_start = TimeField(
        "Quiet from", validators=[InputRequired("Choose when quiet hours start.")]
    )
    quiet_end = TimeField("Quiet until", validators=[InputRequired("Choose when quiet hours end.")])
    pause = SelectField(
        "Pause reminders",
        choices=[
            SelectChoice("", "Don't pause"),
            SelectChoice("1", "For 1 day"),
            SelectChoice("3", "For 3 days"),
            SelectChoice("7", "For a week"),
            SelectChoice("14", "For two weeks"),
            SelectChoice("resume", "Resume now"),
        ],
        validators=[Optional()],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops a blank field's chain before those run.
        if self.enabled.data and not self.first_time.data and not self.second_time.data:
            self.first_time.errors = [
                *self.first_time.errors,
                "Choose at least one time for your exercise reminder.",
            ]
            return False
        return valid

    def validate_first_time(self, field: TimeField) -> None:
        self._outside_quiet_hours(field)

    def validate_second_time(self, field: TimeField) -> None:
        self._outside_quiet_hours(field)

    def _outside_quiet_hours(self, field: TimeField) -> None:
        """A reminder inside quiet hours would never come: say so instead of saving it."""
        start, end = self.quiet_start.data, self.quiet_end.data
        if self.enabled.data and field.data and start and end and is_quiet(field.data, start, end):
            raise ValidationError(
                f"{field.data:%H:%M} is inside your quiet hours ({start:%H:%M}–{end:%H:%M}), "
                "so no reminder would come. Choose another time or change your quiet hours."
            )

    def validate_days(self, field: CheckboxList) -> None:
        if self.enabled.data and not field.data:
            raise ValidationError("Choose at least one day, or turn reminders off.")
