"""Form fields the feature forms share."""

from __future__ import annotations

import uuid
from typing import Any

from wtforms import HiddenField
from wtforms import IntegerField
from wtforms.validators import UUID

MAX_DIGITS = 9


class WholeNumber(IntegerField):
    """A whole number that refuses absurdly long input (NumberRange cannot compare it)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("That number is too large."))
        super().process_formdata(valuelist)


class RequestKey(HiddenField):
    """The hidden key that makes a submit idempotent: a UUID made with the form, nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", lambda: str(uuid.uuid4()))
        kwargs.setdefault(
            "validators", [UUID("This form is out of date: reload the page and try again.")]
        )
        super().__init__(*args, **kwargs)
