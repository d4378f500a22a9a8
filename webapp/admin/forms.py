"""The form that onboards a client with their care plan and care team."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import EmailField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from ..models import Centre
from ..models import Condition
from ..models import Discipline
from ..models import User
from ..pathway.content import CONDITIONS
from ..pathway.content import PHASES


class CheckboxListField(SelectMultipleField):
    """Several choices shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: object) -> None:
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Choose from the people listed.")


class NewClientForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[DataRequired("Enter the client's name."), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter the client's email address."),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off"},
    )
    centre_id = SelectField("Centre", coerce=int, validators=[InputRequired("Choose a centre.")])
    condition = SelectField(
        "Condition",
        choices=[SelectChoice(c.value, info.label) for c, info in CONDITIONS.items()],
        validators=[InputRequired("Choose the condition.")],
    )
    phase = RadioField(
        "Starting phase",
        choices=[SelectChoice(n, f"Phase {n} · {info.name}") for n, info in PHASES.items()],
        coerce=int,
        default=1,
        validators=[InputRequired("Choose the starting phase.")],
    )
    massage_therapists = CheckboxListField("Massage therapists", coerce=int)
    physiotherapists = CheckboxListField("Physiotherapists", coerce=int)
    goals = TextAreaField(
        "Goals",
        validators=[Length(max=1000, message="Keep goals under 1000 characters.")],
        description="The activities that matter to the client, e.g. 'Carry my toddler'.",
        render_kw={"rows": 3},
    )
    shares_notes = BooleanField(
        "The client agrees that their massage therapist and physiotherapist share clinical notes",
        default=True,
    )
    wants_reminders = BooleanField("The client agrees to receive reminders", default=True)
    start_date = DateField(
        "Start date", default=date.today, validators=[InputRequired("Enter a start date.")]
    )

    def __init__(
        self, *args: object, centres: list[Centre], therapists: list[User], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.centre_id.choices = [SelectChoice(c.id, c.name) for c in centres]
        self.therapists = therapists
        for field, discipline in (
            (self.massage_therapists, Discipline.MASSAGE),
            (self.physiotherapists, Discipline.PHYSIO),
        ):
            field.choices = [
                SelectChoice(t.id, t.name) for t in therapists if t.discipline is discipline
            ]
        if self.centre_id.data is None and centres:
            self.centre_id.data = centres[0].id

    def validate_massage_therapists(self, field: CheckboxListField) -> None:
        if not field.data:
            raise ValidationError("Choose at least one massage therapist.")

    def validate_physiotherapists(self, field: CheckboxListField) -> None:
        if not field.data:
            raise ValidationError("Choose at least one physiotherapist.")

    def validate_start_date(self, field: DateField) -> None:
        if field.data is None:
            return  # unparseable; the field already says why
        today = date.today()
        if field.data < today - timedelta(days=366) or field.data > today + timedelta(days=90):
            raise ValidationError("Use a date within the last year or the next 90 days.")

    @property
    def chosen_team(self) -> list[User]:
        chosen = set(self.massage_therapists.data or []) | set(self.physiotherapists.data or [])
        return [t for t in self.therapists if t.id in chosen]

    def options_for(self, field: CheckboxListField, centre_id: int | None) -> list[User]:
        """Return the therapists of one discipline who work at the chosen centre."""
        ids = {choice.value for choice in field.choices}
        return [
            t for t in self.therapists if t.id in ids and any(c.id == centre_id for c in t.centres)
        ]

    @property
    def condition_value(self) -> Condition:
        return Condition(self.condition.data)
