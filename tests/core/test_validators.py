"""The identifier validators (DOMAIN.md, "Identifiers"): credit codes and patent numbers.

Check characters are recomputed here from the published rules, independently of the code under
test, so that a wrong weight or modulus in the validator cannot hide behind itself.
"""

import pytest
from django.core.exceptions import ValidationError

from apps.core.validators import (
    credit_code_check_character,
    normalise_credit_code,
    validate_credit_code,
    validate_patent_number,
    validate_region_code,
)

# GB 32100-2015: the 31 characters in order of their value, and the weights 3^i mod 31.
GB32100_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def gb32100_check(first17: str) -> str:
    total = sum(GB32100_CHARSET.index(char) * weight for char, weight in zip(first17, GB32100_WEIGHTS, strict=True))
    return GB32100_CHARSET[(31 - total % 31) % 31]


def patent_check(digits: str) -> str:
    """The check digit of a Chinese patent application number, from the published rule."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] if len(digits) == 12 else [2, 3, 4, 5, 6, 7, 8, 9]
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.error_list[0].code


# Published credit codes of real organisations (DOMAIN.md's example, the standard's annex example, and
# well-known companies), which all carry a correct check character.
REAL_CREDIT_CODES = [
    "91110108551385082Q",
    "91350100M000100Y43",
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
]


# Unified social credit codes ------------------------------------------------------------------


def test_valid_credit_code_passes():
    validate_credit_code("91110108551385082Q")


def test_credit_code_with_wrong_check_character_fails_with_check_code():
    assert error_code(validate_credit_code, "91110108551385082R") == "credit_code_check"


def test_credit_code_check_error_names_the_expected_character():
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91110108551385082R")
    assert info.value.error_list[0].params == {"expected": "Q"}


@pytest.mark.parametrize("value", ["91110108551385082", "91110108551385082QQ", "", "9111"])
def test_credit_code_of_wrong_length_fails(value):
    assert error_code(validate_credit_code, value) == "credit_code_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_code_with_forbidden_letter_fails(letter):
    code = "9111010855138508" + letter + "Q"
    assert error_code(validate_credit_code, code) == "credit_code_charset"


def test_credit_code_with_punctuation_fails_on_charset():
    assert error_code(validate_credit_code, "91110108-51385082Q") == "credit_code_charset"


def test_lower_case_and_spaces_are_normalised():
    assert normalise_credit_code("  9111 0108 5513 8508 2q ") == "91110108551385082Q"
    validate_credit_code("  9111 0108 5513 8508 2q ")


def test_wrong_check_character_is_caught_after_normalising():
    assert error_code(validate_credit_code, "9111 0108 5513 8508 2r") == "credit_code_check"


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_check_character_of_real_codes(code):
    assert credit_code_check_character(code[:17]) == code[17]
    assert gb32100_check(code[:17]) == code[17]


@pytest.mark.parametrize(
    "first17", ["00000000000000000", "91130100ABCDEFGH1", "YYYYYYYYYYYYYYYYY", "12130100MB0000000", "5113000012345678X"]
)
def test_check_character_matches_the_standard(first17):
    assert credit_code_check_character(first17) == gb32100_check(first17)


def test_check_character_zero_case():
    # When the weighted sum is a multiple of 31, the check character is "0", not "31".
    first17 = "00000000000000000"
    assert credit_code_check_character(first17) == "0"
    validate_credit_code(first17 + "0")


@pytest.mark.parametrize("position", range(17))
def test_a_single_changed_character_is_detected(position):
    code = "91110108551385082Q"
    replacement = "1" if code[position] != "1" else "2"
    altered = code[:position] + replacement + code[position + 1 :]
    assert error_code(validate_credit_code, altered) == "credit_code_check"


# Patent application numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("number", ["200310102344.5", "ZL200310102344.5", "CN200310102344.5", "zl200310102344.5"])
def test_valid_patent_number_passes(number):
    validate_patent_number(number)


def test_patent_number_without_dot_passes():
    validate_patent_number("2003101023445")


def test_patent_number_with_wrong_check_digit_fails():
    assert error_code(validate_patent_number, "200310102344.6") == "patent_check"


def test_patent_check_error_names_the_expected_digit():
    with pytest.raises(ValidationError) as info:
        validate_patent_number("ZL200310102344.6")
    assert info.value.error_list[0].params == {"expected": "5"}


@pytest.mark.parametrize("type_digit", ["0", "4", "5", "6", "7"])
def test_patent_number_with_unknown_type_digit_fails(type_digit):
    digits = "2003" + type_digit + "0102344"
    # The check digit is right, so the type digit is the only fault.
    assert error_code(validate_patent_number, f"{digits}.{patent_check(digits)}") == "patent_type"


@pytest.mark.parametrize("type_digit", ["1", "2", "3", "8", "9"])
def test_patent_number_with_each_known_type_passes(type_digit):
    digits = "2015" + type_digit + "0123456"
    validate_patent_number(f"{digits}.{patent_check(digits)}")


def test_old_eight_digit_number_with_correct_check_digit_passes():
    digits = "02100040"
    assert patent_check(digits) == "9"
    validate_patent_number("02100040.9")
    validate_patent_number("ZL02100040.9")


def test_old_eight_digit_number_with_wrong_check_digit_fails():
    assert error_code(validate_patent_number, "02100040.1") == "patent_check"


def _twelve_digit_number_with_check_x() -> str:
    for serial in range(10_000_000):
        digits = f"20151{serial:07d}"
        if patent_check(digits) == "X":
            return digits
    raise AssertionError("no 12-digit number with check X")  # pragma: no cover


def test_patent_number_with_check_x_passes():
    digits = _twelve_digit_number_with_check_x()
    validate_patent_number(f"ZL{digits}.X")
    validate_patent_number(f"{digits}.x")


def test_patent_number_whose_check_is_x_fails_with_a_digit():
    digits = _twelve_digit_number_with_check_x()
    assert error_code(validate_patent_number, f"{digits}.0") == "patent_check"


def test_patent_number_with_x_where_a_digit_is_due_fails():
    assert error_code(validate_patent_number, "200310102344.X") == "patent_check"


@pytest.mark.parametrize("number", ["", "2003101023", "200310102344.55", "AB200310102344.5", "2003-10102344.5"])
def test_malformed_patent_number_fails_on_format(number):
    assert error_code(validate_patent_number, number) == "patent_format"


# Region codes ---------------------------------------------------------------------------------


def test_region_code_of_six_digits_passes():
    validate_region_code("130638")


@pytest.mark.parametrize("value", ["13063", "1306380", "13063A", ""])
def test_malformed_region_code_fails(value):
    assert error_code(validate_region_code, value) == "region_code"
