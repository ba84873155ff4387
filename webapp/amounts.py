"""Amounts of money (yuan) and counts typed by people: the one parser for each, used by
every page, API field and sync record that accepts them.

An amount is finite, not negative and at most ``MAX_YUAN``, rounded to the fen: ``1e400``
would otherwise become "Infinity 元" in the ledger, and ``NaN`` breaks every sum.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

# 100 billion yuan: far above any rectification or fine, and within Numeric(14, 2)
# (Hazard.funds_amount), so every accepted amount is stored exactly.
MAX_YUAN = Decimal("100000000000.00")
FEN = Decimal("0.01")
MAX_COUNT = 1_000_000_000  # people, drills, fines in a month's report
_MAX_TEXT = 32  # characters of a typed number; longer is not an amount


def parse_yuan(value: object) -> Decimal:
    """``value`` (text or a number) as yuan with two decimals; raises ValueError whose
    argument is the user's message (a lazy string) when it is not a number from 0 to
    MAX_YUAN."""
    try:
        if isinstance(value, bool) or len(str(value)) > _MAX_TEXT:
            raise InvalidOperation
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or not 0 <= amount <= MAX_YUAN:
            raise InvalidOperation
    except (InvalidOperation, TypeError):
        raise ValueError(
            _l(
                "Enter an amount in yuan from 0 to %(max)s, such as 1200.50.",
                max=f"{MAX_YUAN:,.0f}",
            )
        ) from None
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_count(value: object) -> int:
    """``value`` as a whole number from 0 to MAX_COUNT; raises ValueError with a message."""
    try:
        if isinstance(value, bool) or len(str(value)) > _MAX_TEXT:
            raise ValueError
        count = int(str(value).strip())
        if not 0 <= count <= MAX_COUNT:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            _l("Enter a whole number from 0 to %(max)s.", max=f"{MAX_COUNT:,}")
        ) from None
    return count


class Yuan(fields.Decimal):
    """A marshmallow field for an amount of money: ``parse_yuan``'s rules."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", f"Yuan, 0 to {MAX_YUAN:.0f}, two decimals"
        )
        super().__init__(places=2, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        try:
            return parse_yuan(value)
        except ValueError as err:
            raise ValidationError(str(err)) from None


class YuanText(fields.Decimal):
    """An amount as the API sends it: a string with two decimals, e.g. "1200.00" (exact,
    which a JSON number is not), and documented as one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            type="string", description='Yuan with two decimals, e.g. "1200.00"'
        )
        super().__init__(places=2, as_string=True, **kwargs)
