"""The CSV cells of a booking export: text a spreadsheet would run as a formula is defused."""

from decimal import Decimal

import pytest

from bookings.exports import csv_safe


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.test","Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=",
        "-",
        "+55 11 9",  # not a plain number: a space
    ],
)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_apostrophe(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "Ana Souza",
        "+5511987654321",  # an E.164 phone: a number, not a formula
        "-12.50",
        "ana@example.com",
        "O'Brien",
        " =not at the start",
        "2027-03-02T10:00:00-03:00",
        "",
    ],
)
def test_names_phones_emails_and_times_are_left_alone(cell):
    assert csv_safe(cell) == cell


def test_only_text_is_changed():
    assert csv_safe(Decimal("-5.00")) == Decimal("-5.00")
    assert csv_safe(None) is None
