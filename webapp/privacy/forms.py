"""The form that gives or withdraws one consent."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..models import ConsentTopic


class DecisionForm(FlaskForm):
    topic = RadioField(
        "Topic",
        choices=[SelectChoice(topic.value, topic.value) for topic in ConsentTopic],
        validators=[InputRequired("Choose what the decision is about.")],
    )
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("give", "Agree"), SelectChoice("withdraw", "Withdraw")],
        validators=[InputRequired("Choose to agree or to withdraw.")],
    )
