"""The managers' page forms (WTForms via Flask-WTF, so every POST carries the CSRF token).

Lengths mirror the model columns: an over-long value is refused with the field named,
never truncated by the database. Choice lists are filled per request (they depend on
the language and on the user's scope).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from webapp import days
from webapp.inputs import FIRST_DAY, LAST_DAY
from webapp.labels import label
from webapp.models import ConstructionType, OrgKind, SiteStatus, Usage
from webapp.models.templates import Frequency, Grade
from webapp.services.notify.settings import TIME_PATTERN

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PHONE_PATTERN = r"^[0-9+() -]*$"
MIN_PASSWORD = 8
_HHMM = _l("A time of day as HH:MM, e.g. 16:00.")


def enum_choices(enum_cls) -> list[tuple[str, str]]:
    return [(member.value, label(member)) for member in enum_cls]


def _required():
    return DataRequired(message=_l("This field is required."))


def _max(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _within_days(form, field) -> None:
    """Dates as webapp/inputs.py bounds them (2000-01-01 to 2100-12-31)."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise StopValidation(
            _l("Must lie between %(first)s and %(last)s.", first=FIRST_DAY, last=LAST_DAY)
        )


def _finite(form, field) -> None:
    """Decimal("sNaN") would fail NumberRange's comparison with an exception."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number."))


def _phone():
    return Regexp(PHONE_PATTERN, message=_l("Digits, spaces, +, - and brackets only."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    username = StringField(validators=[_required(), _max(64)])
    password = PasswordField(validators=[_required(), _max(200)])
    remember = BooleanField(default=True)


class SiteForm(FlaskForm):
    """Every field of a site. ``code`` is set once: it is printed on the QR label."""

    code = StringField(
        _l("Site code"),
        validators=[
            _required(),
            _max(32),
            Regexp(CODE_PATTERN, message=_l("Letters, digits, - and _ only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[_required(), _max(120)])
    address = StringField(_l("Address"), validators=[_required(), _max(200)])
    unit = SelectField(_l("Operating unit"), validators=[_required()])
    construction_type = SelectField(_l("Construction type"), validators=[_required()])
    year_built = IntegerField(
        _l("Year built"),
        validators=[
            Optional(),
            NumberRange(1900, 2100, message=_l("A year between %(min)s and %(max)s.")),
        ],
    )
    usage = SelectField(_l("Usage"), validators=[_required()])
    status = SelectField(_l("Status"), validators=[_required()])
    due_from = DateField(_l("Daily checks from"), validators=[_required(), _within_days])
    leased = BooleanField(_l("Leased out"))
    tenant = StringField(_l("Tenant"), validators=[Optional(), _max(120)])
    lease_expires = DateField(_l("Lease expires"), validators=[Optional(), _within_days])
    permit_expires = DateField(_l("Use permit expires"), validators=[Optional(), _within_days])
    crowded = BooleanField(_l("Crowded place (人员密集场所)"))
    capacity = IntegerField(
        _l("Approved capacity (people)"),
        validators=[
            Optional(),
            NumberRange(0, 1_000_000, message=_l("A number between %(min)s and %(max)s.")),
        ],
    )
    hillside = BooleanField(_l("In or near wooded hills"))
    low_lying = BooleanField(_l("Low-lying (flood risk)"))
    floor_area = DecimalField(
        _l("Floor area (m²)"),
        places=1,
        validators=[
            Optional(),
            _finite,
            NumberRange(0, 999_999_999, message=_l("A number between %(min)s and %(max)s.")),
        ],
    )
    responsible_person = StringField(_l("Responsible person"), validators=[Optional(), _max(64)])
    responsible_phone = StringField(
        _l("Responsible person's phone"), validators=[Optional(), _max(40), _phone()]
    )

    def __init__(self, *args, units: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = units
        self.construction_type.choices = enum_choices(ConstructionType)
        self.usage.choices = enum_choices(Usage)
        self.status.choices = enum_choices(SiteStatus)

    def validate(self, extra_validators=None) -> bool:
        """Field rules first, then the rules between fields (an empty optional field stops
        its own validator chain, so these cannot be inline validators)."""
        valid = super().validate(extra_validators)
        if self.leased.data and not (self.tenant.data or "").strip() and not self.tenant.errors:
            self.tenant.errors.append(_l("A leased-out site needs its tenant."))
            valid = False
        if self.crowded.data and self.capacity.data is None and not self.capacity.errors:
            self.capacity.errors.append(_l("A crowded place needs its approved capacity."))
            valid = False
        return valid

    def validate_year_built(self, field):
        if field.data is not None and field.data > days.today().year:
            raise ValidationError(_l("The year built cannot be in the future."))

    def validate_due_from(self, field):
        # object_data: the site's stored value when editing, None for a new site.
        problem = due_from_problem(field.data, field.object_data)
        if problem:
            raise ValidationError(problem)


def due_from_problem(day: date, current: date | None = None, earliest: date | None = None):
    """Why ``day`` cannot be a site's first day of daily checks, or None.

    ``current``: the site's stored first day (None for a new site). Once checks have
    started that day is history and cannot move (moving it would rewrite the site's
    misses). A new first day lies from ``earliest`` (default today: the site form, so no
    miss is counted for days before anyone could check) to a year ahead (a mistyped year).
    """
    today = days.today()
    if current is not None and day == current:
        return None
    if current is not None and current <= today:
        return _l(
            "Daily checks here started on %(day)s; that day cannot change.",
            day=current.isoformat(),
        )
    earliest = earliest or today
    if day < earliest:
        return _l("Daily checks can start on %(day)s at the earliest.", day=earliest.isoformat())
    if day > today + timedelta(days=366):
        return _l("Daily checks can start at most a year from today.")
    return None


class UserForm(FlaskForm):
    """Name, phone and role of an account (the role list depends on the organisation)."""

    display_name = StringField(_l("Name"), validators=[_required(), _max(64)])
    phone = StringField(_l("Phone"), validators=[Optional(), _max(40), _phone()])
    role = SelectField(_l("Role"), validators=[_required()])


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[
            _required(),
            Length(min=3, max=64, message=_l("Between %(min)d and %(max)d characters.")),
            Regexp(USERNAME_PATTERN, message=_l("Letters, digits, '.', '-' and '_' only.")),
        ],
    )
    org = SelectField(_l("Organisation"), validators=[_required()])
    password = PasswordField(
        _l("Initial password"),
        validators=[
            _required(),
            Length(
                min=MIN_PASSWORD, max=200, message=_l("Between %(min)d and %(max)d characters.")
            ),
        ],
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            _required(),
            Length(
                min=MIN_PASSWORD, max=200, message=_l("Between %(min)d and %(max)d characters.")
            ),
        ],
    )


class OrgForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_required(), _max(120)])
    phone = StringField(_l("Phone"), validators=[Optional(), _max(40), _phone()])
    # Only for a city-level office directly under the province (梅河口 → 通化); the
    # service refuses it elsewhere. Choices: "" (none) and the city-level offices in scope.
    nominal_parent = SelectField(_l("Nominal parent city"), default="")

    def __init__(self, *args, nominal_parents: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.nominal_parent.choices = [("", _l("None"))] + nominal_parents


class NewOrgForm(OrgForm):
    parent = SelectField(_l("Parent organisation"), validators=[_required()])
    kind = SelectField(_l("Kind"), validators=[_required()])
    code = StringField(
        _l("Code"),
        validators=[
            _required(),
            _max(32),
            Regexp(CODE_PATTERN, message=_l("Letters, digits, - and _ only.")),
        ],
    )

    def __init__(self, *args, parents: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = parents
        self.kind.choices = [c for c in enum_choices(OrgKind) if c[0] != OrgKind.PROVINCE.value]


class ChecklistItemForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[_required()])
    label_zh = StringField(_l("Label (Chinese)"), validators=[_required(), _max(200)])
    label_en = StringField(_l("Label (English)"), validators=[_required(), _max(200)])
    guidance_zh = TextAreaField(_l("Guidance (Chinese)"), validators=[Optional(), _max(400)])
    guidance_en = TextAreaField(_l("Guidance (English)"), validators=[Optional(), _max(400)])
    applies_to = MultiCheckboxField(
        _l("Applies to sites tagged"),
        validators=[InputRequired(message=_l("Choose at least one tag."))],
    )
    seasons = MultiCheckboxField(_l("Only in these seasons (none = all year)"))
    frequency = SelectField(_l("Frequency"), validators=[_required()])
    photo_required_on_fail = BooleanField(_l("Photo required when it fails"))
    default_grade = SelectField(_l("Default grade of a failure"), validators=[_required()])
    fix_immediately = BooleanField(_l("Must be fixed at once"))

    def __init__(self, *args, categories, tags, seasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = categories
        self.applies_to.choices = tags
        self.seasons.choices = seasons
        self.frequency.choices = [(f.value, label_frequency(f.value)) for f in Frequency]
        self.default_grade.choices = enum_choices(Grade)


class NewChecklistItemForm(ChecklistItemForm):
    item_id = StringField(
        _l("Item id"),
        validators=[
            _required(),
            _max(32),
            Regexp(
                r"^[A-Z][A-Z0-9]*-[0-9A-Z]+$",
                message=_l("Like EVAC-07: capitals, a dash, a number."),
            ),
        ],
    )


FREQUENCY_LABELS = {
    Frequency.DAILY.value: _l("Every daily check"),
    Frequency.MONTHLY.value: _l("Monthly"),
    Frequency.QUARTERLY.value: _l("Quarterly"),
    Frequency.SUPERVISORY.value: _l("On supervisory visits"),
    Frequency.SEASONAL.value: _l("Daily, in its seasons"),
}


def label_frequency(value: str) -> str:
    return str(FREQUENCY_LABELS.get(value, value))


class ChannelForm(FlaskForm):
    """A notification channel: an apprise URL (checked by the notify service)."""

    name = StringField(_l("Name"), validators=[Optional(), _max(64)])
    url = StringField(_l("Channel URL"), validators=[_required(), _max(2000)])


class NotifySettingsForm(FlaskForm):
    """An organisation's own reminder times (empty: as set above) and rules it turns off."""

    cutoff_time = StringField(
        _l("Daily cut-off (HH:MM)"), validators=[Optional(), Regexp(TIME_PATTERN, message=_HHMM)]
    )
    digest_time = StringField(
        _l("Morning digest (HH:MM)"), validators=[Optional(), Regexp(TIME_PATTERN, message=_HHMM)]
    )
    disabled_rules = MultiCheckboxField(_l("Do not send these to this organisation"))

    def __init__(self, *args, rules: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_rules.choices = rules
