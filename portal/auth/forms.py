"""Login forms. Messages are plain B1 sentences that say what to do."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Regexp


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _no_spaces(value: Any) -> Any:
    return "".join(value.split()) if isinstance(value, str) else value


class LoginCodeForm(FlaskForm):
    reference = StringField(
        _l("Payment reference"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter the payment reference from your letter.")),
            Length(max=64, message=_l("This is too long for a payment reference.")),
        ],
    )
    code = StringField(
        _l("Login code"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter the login code from your letter.")),
            Length(max=32, message=_l("This is too long for a login code.")),
        ],
    )


class DemoLoginForm(FlaskForm):
    debtor_id = HiddenField(
        validators=[InputRequired(), Regexp(r"^[0-9]{1,12}$"), Length(max=12)],
    )


class DemoRepresentativeForm(FlaskForm):
    representation_id = HiddenField(
        validators=[InputRequired(), Regexp(r"^[0-9]{1,12}$"), Length(max=12)],
    )


class StaffLoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter your username.")),
            Length(max=60, message=_l("This is too long for a username.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Enter your password.")),
            Length(max=1024, message=_l("This is too long for a password.")),
        ],
    )


class StaffTotpForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        filters=[_no_spaces],
        validators=[
            InputRequired(_l("Enter the 6-digit code from your authenticator app.")),
            Regexp(r"^[0-9]{6}$", message=_l("The code has 6 digits.")),
        ],
    )
