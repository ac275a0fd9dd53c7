"""Validators of the official identifiers the portal stores (DOMAIN.md, "Identifiers")."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters (no I, O, S, V, Z); weights 3^i mod 31 over the first 17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_CREDIT_CODE_RE = re.compile(rf"^[{CREDIT_CODE_CHARSET}]{{18}}$")


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def credit_code_check_character(first17: str) -> str:
    pairs = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_CHARSET.index(char) * weight for char, weight in pairs)
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Validate a unified social credit code, its check character included."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="credit_code_length",
            params={"length": len(code)},
        )
    if not _CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _("A unified social credit code uses only digits and the letters A-H, J-N, P-R, T, U, W-Y."),
            code="credit_code_charset",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong (expected %(expected)s): "
                "please check for a typing error."
            ),
            code="credit_code_check",
            params={"expected": expected},
        )


# Chinese patent application numbers: since 2003 12 digits + check, before 8 digits + check.
_PATENT_RE = re.compile(r"^(?:ZL|CN)?(?P<digits>\d{12}|\d{8})\.?(?P<check>[\dX])$")
PATENT_TYPES = {"1", "2", "3", "8", "9"}


def patent_check_digit(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] if len(digits) == 12 else [2, 3, 4, 5, 6, 7, 8, 9]
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_patent_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_patent_number(value: str) -> None:
    """Validate a Chinese patent application number, e.g. ZL200310102344.5."""
    number = normalise_patent_number(value)
    match = _PATENT_RE.match(number)
    if not match:
        raise ValidationError(
            _("A patent number has the form ZL200310102344.5: 12 digits (8 before 2003), a dot and a check digit."),
            code="patent_format",
        )
    digits = match["digits"]
    if len(digits) == 12 and digits[4] not in PATENT_TYPES:
        raise ValidationError(
            _("The fifth digit of a patent number gives its type (1, 2, 3, 8 or 9); %(digit)s is none of them."),
            code="patent_type",
            params={"digit": digits[4]},
        )
    expected = patent_check_digit(digits)
    if match["check"] != expected:
        raise ValidationError(
            _("The check digit of this patent number is wrong (expected %(expected)s)."),
            code="patent_check",
            params={"expected": expected},
        )


region_code_validator = re.compile(r"^\d{6}$")


def validate_region_code(value: str) -> None:
    if not region_code_validator.match(value or ""):
        raise ValidationError(_("A region code has 6 digits (GB/T 2260)."), code="region_code")
