"""``create-user``: add an account from the command line (e.g. the first office admin)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import click
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cli.language import in_cli_language
from webapp.extensions import db
from webapp.forms import MIN_PASSWORD, PHONE_PATTERN, USERNAME_PATTERN
from webapp.labels import parse_label
from webapp.models import Organisation, Role, User
from webapp.scope import role_fits_org
from webapp.services.accounts import FieldError, create_user

# The same rules as the user pages (webapp/forms.py).
USERNAME = re.compile(USERNAME_PATTERN)
PHONE = re.compile(PHONE_PATTERN)
USERNAME_MIN, USERNAME_MAX = 3, 64
PASSWORD_MIN, PASSWORD_MAX = MIN_PASSWORD, 200
NAME_MAX = 64
PHONE_MAX = 40


class AccountRefused(Exception):
    """The account cannot be created; ``str(err)`` says why."""


def check_password(password: str) -> None:
    """Raises AccountRefused for an empty, too short or too long password."""
    if not password:
        raise AccountRefused(_("The password is empty."))
    if len(password) < PASSWORD_MIN:
        raise AccountRefused(
            _("The password must have at least %(min)d characters.", min=PASSWORD_MIN)
        )
    if len(password) > PASSWORD_MAX:
        raise AccountRefused(
            _("The password must have at most %(max)d characters.", max=PASSWORD_MAX)
        )


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: Role
    org: Organisation
    display_name: str
    phone: str | None


def check_account(
    username: str,
    role_text: str,
    org_code: str,
    display_name: str | None = None,
    phone: str | None = None,
) -> AccountSpec:
    """Everything about a new account except its password; raises AccountRefused."""
    username = username.strip()
    if not (USERNAME_MIN <= len(username) <= USERNAME_MAX and USERNAME.match(username)):
        raise AccountRefused(
            _(
                "A username has %(min)d to %(max)d letters, digits, '.', '-' or '_' and starts "
                "with a letter or digit.",
                min=USERNAME_MIN,
                max=USERNAME_MAX,
            )
        )
    try:
        role = parse_label(Role, role_text)
    except ValueError:
        raise AccountRefused(
            _(
                "Unknown role “%(role)s”; use one of: %(roles)s.",
                role=role_text,
                roles=", ".join(r.value for r in Role),
            )
        ) from None
    org = db.session.execute(
        select(Organisation).where(Organisation.code == org_code.strip())
    ).scalar_one_or_none()
    if org is None:
        raise AccountRefused(_("No organisation has the code “%(code)s”.", code=org_code))
    if not org.active:
        raise AccountRefused(_("Organisation “%(code)s” is deactivated.", code=org.code))
    if not role_fits_org(role, org):
        raise AccountRefused(
            _(
                "The role %(role)s does not fit %(code)s: operating units have inspectors and "
                "unit managers, offices have office supervisors and office admins.",
                role=role.value,
                code=org.code,
            )
        )
    taken = db.session.execute(select(User.id).where(User.username == username)).first()
    if taken is not None:
        raise AccountRefused(_("The username “%(username)s” is taken.", username=username))
    display_name = (display_name or username).strip()
    if not display_name or len(display_name) > NAME_MAX:
        raise AccountRefused(_("A name has 1 to %(max)d characters.", max=NAME_MAX))
    phone = (phone or "").strip() or None
    if phone is not None and (len(phone) > PHONE_MAX or not PHONE.match(phone)):
        raise AccountRefused(
            _(
                "A phone number has at most %(max)d digits, spaces, +, - and brackets.",
                max=PHONE_MAX,
            )
        )
    return AccountSpec(username, role, org, display_name, phone)


def create_account(spec: AccountSpec, password: str) -> User:
    """Add and commit the account; raises AccountRefused (bad password, username taken)."""
    check_password(password)
    try:
        return create_user(
            username=spec.username,
            display_name=spec.display_name,
            phone=spec.phone,
            org=spec.org,
            role=spec.role,
            password=password,
        )
    except FieldError as err:
        raise AccountRefused(err.message) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only the line break is removed (spaces may belong to the password).
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=True, default="", show_default=False
    )


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role", required=True, help="inspector, unit_manager, office_supervisor or office_admin."
)
@click.option("--org", "org_code", required=True, help="Code of the account's organisation.")
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--phone", help="Phone number.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@in_cli_language
def create_user_command(
    username: str,
    role: str,
    org_code: str,
    display_name: str | None,
    phone: str | None,
    password_stdin: bool,
) -> None:
    """Create an account. The password comes from a hidden prompt (asked twice) or stdin."""
    try:
        # Check everything else before asking for the password.
        spec = check_account(username, role, org_code, display_name, phone)
        user = create_account(spec, _read_password(password_stdin))
    except AccountRefused as err:
        raise click.ClickException(str(err)) from None
    click.echo(
        _(
            "Created %(username)s (%(role)s at %(org)s).",
            username=user.username,
            role=user.role,
            org=user.org.code,
        )
    )


COMMANDS = [create_user_command]
