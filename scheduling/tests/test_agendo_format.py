"""Money and phones in the business's formats (scheduling/templatetags/agendo_format.py)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import format_money, format_phone, phone_uri

NBSP = "\xa0"


def _business(language="pt-br", region="BR", currency="BRL") -> BusinessSettings:
    return BusinessSettings(language=language, phone_region=region, currency=currency)


@pytest.mark.parametrize(
    ("amount", "business", "shown"),
    [
        (Decimal("55.50"), _business(), f"R${NBSP}55,50"),
        (Decimal("1234.5"), _business(), f"R${NBSP}1.234,50"),
        (Decimal("12"), _business("en", "IE", "EUR"), "€12.00"),
        (Decimal("12"), _business("en", "US", "USD"), "$12.00"),
        (12, _business("en", "US", "EUR"), "€12.00"),
        # An English-speaking business in Brazil: English digits, the real's sign.
        (Decimal("55.5"), _business("en", "BR", "BRL"), "R$55.50"),
        # pt-br keeps Brazil's format whatever the phone region.
        (Decimal("9.9"), _business("pt-br", "PT", "EUR"), f"€{NBSP}9,90"),
        (None, _business(), ""),
        ("n/a", _business(), "n/a"),
        (Decimal("3"), None, "3.00"),
    ],
)
def test_money(amount, business, shown):
    assert format_money(amount, business) == shown


def test_money_with_a_currency_babel_does_not_know_still_shows_the_amount():
    assert format_money(Decimal("5"), _business(currency="XYZ")) in ("XYZ 5.00", f"XYZ{NBSP}5,00")


@pytest.mark.parametrize(
    ("stored", "region", "shown", "link"),
    [
        ("+5511912345678", "BR", "(11) 91234-5678", "tel:+5511912345678"),
        ("+351912345678", "BR", "+351 912 345 678", "tel:+351912345678"),
        ("+351912345678", "PT", "912 345 678", "tel:+351912345678"),
        ("+12025550123", "US", "(202) 555-0123", "tel:+12025550123"),
        ("ana@example.com", "BR", "ana@example.com", ""),
        ("call me", "BR", "call me", ""),
        ("", "BR", "", ""),
    ],
)
def test_phone_and_its_link(stored, region, shown, link):
    business = _business(region=region)
    assert format_phone(stored, business) == shown
    assert phone_uri(stored, business) == link


def test_filters_take_the_business_as_argument_and_tags_from_the_context():
    business = _business()
    rendered = Template(
        "{% load agendo_format %}"
        "{{ price|money:business }}|{{ tel|phone:business }}|{{ tel|phone_link }}|"
        "{% money price %}|{% phone tel %}|{% phone_link tel %}|{% money price business=other %}"
    ).render(
        Context(
            {
                "business": business,
                "other": _business("en", "US", "USD"),
                "price": Decimal("55.5"),
                "tel": "+5511912345678",
            }
        )
    )
    assert rendered.split("|") == [
        f"R${NBSP}55,50",
        "(11) 91234-5678",
        "tel:+5511912345678",
        f"R${NBSP}55,50",
        "(11) 91234-5678",
        "tel:+5511912345678",
        "$55.50",
    ]
