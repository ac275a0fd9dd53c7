"""Amounts of money as the services take them: yuan, two decimal places, as ``Decimal`` (STYLE.md)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from apps.core.errors import InvalidInput

CENT = Decimal("0.01")
LIMIT = Decimal("1e14")  # the DecimalField(max_digits=16, decimal_places=2) bound


def money_parse(value, field: str, *, allow_none: bool = False) -> Decimal | None:
    """``value`` as yuan to the cent; ``InvalidInput`` naming ``field`` when it is not an amount of zero or more."""
    if value in (None, ""):
        if allow_none:
            return None
        raise InvalidInput(_("Enter an amount in yuan."), field=field)
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter an amount in yuan, such as 150000 or 150000.50."), field=field) from None
    if amount < 0 or amount >= LIMIT:
        raise InvalidInput(_("Enter an amount of zero or more, in yuan."), field=field)
    return amount


def money_format(amount) -> str:
    """``amount`` as the pages show yuan: thousands separated by commas, two decimals (``800,000.00``).

    The same in every language, so that a figure reads as the contract form's live sum and the
    certificate print it. ``None`` and ``""`` give ``""`` (for the template's ``default``); what is not a
    number is given back as text.
    """
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(str(amount)).quantize(CENT)
    except (InvalidOperation, ValueError):
        return str(amount)
    return f"{value:,.2f}"
