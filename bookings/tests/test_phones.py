"""Phone numbers in, E.164 out, with the business's region for national forms (no database)."""

import pytest

from bookings.errors import MESSAGES, BookingError
from bookings.phones import phone_display, phone_normalize

MOBILE_SP = "+5511912345678"


@pytest.mark.parametrize(
    "raw",
    [
        "(11) 91234-5678",  # how Brazilians write it
        "11 91234-5678",
        "11912345678",
        "011 91234-5678",  # with the national trunk prefix 0
        "0 11 91234-5678",
        "021 11 91234-5678",  # trunk 0 + long-distance carrier 21 (Embratel)
        "  (11) 91234-5678  ",
        "+55 11 91234-5678",
        "+55 (11) 9 1234-5678",
        "+5511912345678",
        "5511912345678",  # the country code without +
        "0055 11 91234 5678",  # 00 as the international prefix
        "tel:+55-11-91234-5678",
    ],
)
def test_brazilian_mobile_in_any_form(raw):
    assert phone_normalize(raw, region="BR") == MOBILE_SP


def test_brazilian_landline():
    assert phone_normalize("(11) 3456-7890", region="BR") == "+551134567890"


def test_the_region_lowercase_is_accepted():
    assert phone_normalize("(11) 91234-5678", region="br") == MOBILE_SP


@pytest.mark.parametrize("raw", ["912 345 678", "912345678", "+351 912 345 678", "00351912345678"])
def test_portuguese_mobile_with_region_pt(raw):
    assert phone_normalize(raw, region="PT") == "+351912345678"


@pytest.mark.parametrize(
    "raw", ["(650) 253-0000", "650-253-0000", "1 650 253 0000", "+1 650 253 0000"]
)
def test_us_number_with_region_us(raw):
    assert phone_normalize(raw, region="US") == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+351 912 345 678", "BR", "+351912345678"),
        ("00351 912 345 678", "BR", "+351912345678"),
        ("+1 650 253 0000", "BR", "+16502530000"),
        ("+55 11 91234-5678", "PT", MOBILE_SP),
        ("+55 11 91234-5678", "US", MOBILE_SP),
    ],
)
def test_international_form_wins_over_the_region(raw, region, expected):
    assert phone_normalize(raw, region=region) == expected


def test_a_brazilian_national_number_means_something_else_in_portugal():
    with pytest.raises(BookingError) as exc_info:
        phone_normalize("(11) 91234-5678", region="PT")
    assert exc_info.value.code == "invalid_phone"


@pytest.mark.parametrize(
    "raw",
    [
        "123",
        "abc",
        "(11) 91234-567",  # one digit short
        "1191234567",  # one digit short, written together
        "91234-5678",  # no area code
        "(11) 1234-5678",  # no landline starts with 1
        "(11) 81234-5678",  # 9 digits must start with 9
        "+55 11 91234-56789",  # one digit too many
        "+999 1234 5678",  # no such country
        "+",
        "++",
        "00",
    ],
)
def test_invalid_numbers_are_refused_with_a_message(raw):
    with pytest.raises(BookingError) as exc_info:
        phone_normalize(raw, region="BR")
    error = exc_info.value
    assert error.code == "invalid_phone"
    assert error.field == "phone"
    assert error.message == MESSAGES["invalid_phone"]
    assert "area code" in error.message


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_an_empty_phone_is_refused_with_its_own_message(raw):
    with pytest.raises(BookingError) as exc_info:
        phone_normalize(raw, region="BR")
    assert exc_info.value.code == "invalid_phone"
    assert exc_info.value.field == "phone"
    assert exc_info.value.message == "Please enter a phone number."


def test_an_extension_is_dropped_from_the_stored_number():
    # E.164 has no extensions: what is stored is the line itself.
    assert phone_normalize("+55 11 91234-5678 ext. 3", region="BR") == MOBILE_SP


def test_brazilian_international_dialling_with_a_carrier_code():
    # 00 + carrier (21) + country code: not "+21...".
    assert phone_normalize("0021 1 650 253 0000", region="BR") == "+16502530000"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        (MOBILE_SP, "+55 11 91234-5678"),
        ("+351912345678", "+351 912 345 678"),
        ("+16502530000", "+1 650-253-0000"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_phone_display(e164, shown):
    assert phone_display(e164) == shown


def test_normalised_numbers_match_the_database_check():
    import re

    from bookings.models import Client

    [check] = [c for c in Client._meta.constraints if c.name == "client_phone_e164"]
    pattern = r"^\+[1-9][0-9]{6,14}$"
    assert ("phone__regex", pattern) in check.condition.children
    for raw, region in [("(11) 91234-5678", "BR"), ("912 345 678", "PT"), ("650 253 0000", "US")]:
        assert re.fullmatch(pattern, phone_normalize(raw, region=region))
