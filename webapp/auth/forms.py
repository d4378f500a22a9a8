"""Sign-in, second-step, reset and set-password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from .passwords import MAX_LENGTH
from .passwords import password_problem


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a password.")],
        render_kw={"autocomplete": "new-password"},
        description="At least 10 characters. A few unrelated words work well.",
    )
    confirm = PasswordField(
        "Type it again",
        validators=[
            DataRequired("Type your password a second time."),
            EqualTo("password", "The two passwords don't match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args: object, email: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", self._email)
        if problem:
            raise ValidationError(problem)


class CodeForm(FlaskForm):
    """The second step: a code from the authenticator app, or a recovery code."""

    code = StringField(
        "6-digit code",
        validators=[Optional(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        description="From the authenticator app on your phone. It changes every 30 seconds.",
    )
    recovery_code = StringField(
        "Recovery code",
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        description="One of the codes you saved when you turned on two-step sign-in.",
    )

    def validate(self, extra_validators: object = None) -> bool:
        if not super().validate(extra_validators):  # type: ignore[arg-type]
            return False
        if not (self.code.data or "").strip() and not (self.recovery_code.data or "").strip():
            self.code.errors = [*self.code.errors, "Enter the code from your authenticator app."]
            return False
        return True

    @property
    def answer(self) -> str:
        return (self.code.data or "").strip() or (self.recovery_code.data or "")


class SetupForm(FlaskForm):
    code = StringField(
        "6-digit code from the app",
        validators=[DataRequired("Enter the 6-digit code your app shows."), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmIdentityForm(FlaskForm):
    """Before a change to how someone signs in: their password, or a current code."""

    answer = PasswordField(
        "Your password, or a current 6-digit code",
        validators=[
            DataRequired("Enter your password or a code from your app."),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"},
    )
