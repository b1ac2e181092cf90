"""Money, dates and phones by locale (scheduling/templatetags/agendo_format.py), en and pt-br."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from bookings.phones import phone_normalize
from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import (
    DAY_STYLES,
    format_day,
    format_money,
    format_phone,
    phone_uri,
)

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
def test_money_outside_any_language_is_in_the_business_s(amount, business, shown):
    with translation.override(None):
        assert format_money(amount, business) == shown


@pytest.mark.parametrize(
    ("active", "business", "shown"),
    [
        ("pt-br", _business(), f"R${NBSP}1.234,56"),
        ("en", _business(), "R$1,234.56"),  # a visitor who switched a pt-br page to English
        ("pt-br", _business("en", "US", "USD"), f"US${NBSP}1.234,56"),
        ("en", _business("en", "US", "USD"), "$1,234.56"),
        ("en", _business("en", "IE", "EUR"), "€1,234.56"),
        # English in Portugal writes amounts as Portugal does (CLDR's en_PT).
        ("en", _business("pt-br", "PT", "EUR"), f"1{NBSP}234,56{NBSP}€"),
    ],
)
def test_money_is_in_the_active_language(active, business, shown):
    with translation.override(active):
        assert format_money(Decimal("1234.56"), business) == shown
    # Python callers may name the language (a message rendered for the client's).
    with translation.override("pt-br" if active == "en" else "en"):
        assert format_money(Decimal("1234.56"), business, language=active) == shown


def test_money_with_a_currency_babel_does_not_know_still_shows_the_amount():
    with translation.override("pt-br"):
        shown = format_money(Decimal("5"), _business(currency="XYZ"))
    assert shown in ("XYZ 5.00", f"XYZ{NBSP}5,00")


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
    with translation.override("pt-br"):
        rendered = _render_tags(business)
    assert rendered.split("|") == [
        f"R${NBSP}55,50",
        "(11) 91234-5678",
        "tel:+5511912345678",
        f"R${NBSP}55,50",
        "(11) 91234-5678",
        "tel:+5511912345678",
        f"US${NBSP}55,50",
    ]
    # The same business's page switched to English: English digits, the same phone.
    with translation.override("en"):
        assert _render_tags(business).split("|") == [
            "R$55.50",
            "(11) 91234-5678",
            "tel:+5511912345678",
            "R$55.50",
            "(11) 91234-5678",
            "tel:+5511912345678",
            "$55.50",
        ]


def _render_tags(business) -> str:
    return Template(
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


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_a_brazilian_number_typed_nationally_is_stored_e164_and_shown_back_nationally(language):
    business = _business(language=language)
    stored = phone_normalize("(81) 99876-5432", region=business.phone_region)
    assert stored == "+5581998765432"
    with translation.override(language):  # phones do not depend on the language
        assert format_phone(stored, business) == "(81) 99876-5432"
        assert phone_uri(stored, business) == "tel:+5581998765432"
        # A business abroad shows the Brazilian client's number internationally.
        assert format_phone(stored, _business(language, "PT", "EUR")) == "+55 81 99876-5432"


FRIDAY = dt.date(2026, 12, 4)

DAYS = {
    "en": {
        "weekday": "Friday 4 December",
        "weekday_year": "Friday 4 December 2026",
        "short_weekday": "Fri 4 Dec",
        "short_weekday_year": "Fri 4 Dec 2026",
        "date": "4 Dec 2026",
        "day_month": "4 Dec",
        "numeric": "04/12/2026",
        "numeric_day_month": "04/12",
        "weekday_name": "Friday",
        "weekday_abbr": "Fri",
        "month_abbr": "Dec",
        "day_number": "4",
    },
    "pt-br": {
        "weekday": "sexta-feira, 4 de dezembro",
        "weekday_year": "sexta-feira, 4 de dezembro de 2026",
        "short_weekday": "sex., 4 de dez.",
        "short_weekday_year": "sex., 4 de dez. de 2026",
        "date": "4 de dez. de 2026",
        "day_month": "4 de dez.",
        "numeric": "04/12/2026",
        "numeric_day_month": "04/12",
        "weekday_name": "sexta-feira",
        "weekday_abbr": "sex.",
        "month_abbr": "dez.",
        "day_number": "4",
    },
}


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_every_day_style_in_both_languages(language):
    assert set(DAYS[language]) == set(DAY_STYLES)
    with translation.override(language):
        shown = {style: format_day(FRIDAY, style) for style in DAY_STYLES}
        rendered = Template('{% load agendo_format %}{{ d|day:"short_weekday" }}').render(
            Context({"d": FRIDAY})
        )
    assert shown == DAYS[language]
    assert rendered == DAYS[language]["short_weekday"]
    # Named, whatever is active.
    with translation.override("pt-br" if language == "en" else "en"):
        assert format_day(FRIDAY, "weekday", language=language) == DAYS[language]["weekday"]


def test_weekday_and_month_names():
    monday = dt.date(2026, 11, 30)
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    assert [format_day(d, "weekday_name", "pt-br") for d in week] == [
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ]
    assert [format_day(d, "weekday_abbr", "en") for d in week] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    firsts = [dt.date(2027, month, 1) for month in range(1, 13)]
    assert [format_day(d, "weekday", "pt-br").split(" de ")[-1] for d in firsts] == [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ]
    assert [format_day(d, "month_abbr", "en") for d in firsts] == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    assert format_day(dt.date(2027, 5, 1), "weekday_year", "pt-br") == "sábado, 1 de maio de 2027"
    # English month abbreviations as Django's `|date:"M"` wrote them ("Sep", not en_GB's "Sept").
    assert format_day(dt.date(2026, 9, 4), "short_weekday", "en") == "Fri 4 Sep"


def test_an_aware_datetime_is_shown_on_its_day_in_the_business_s_time_zone():
    # 02:30 UTC on Saturday is still Friday 23:30 in São Paulo (UTC−3, no DST since 2019).
    late = dt.datetime(2026, 12, 5, 2, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("America/Sao_Paulo")):
        assert format_day(late, "short_weekday", "en") == "Fri 4 Dec"
        assert format_day(late, "short_weekday", "pt-br") == "sex., 4 de dez."
        with translation.override("pt-br"):
            rendered = Template(
                '{% load agendo_format %}{{ v|day:"weekday" }}, {{ v|time:"H:i" }}'
            ).render(Context({"v": late}))
        assert rendered == "sexta-feira, 4 de dezembro, 23:30"
    # One minute after midnight there is the next day; in UTC it is Saturday already.
    just_after = dt.datetime(2026, 12, 5, 3, 1, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("America/Sao_Paulo")):
        assert format_day(just_after, "short_weekday", "pt-br") == "sáb., 5 de dez."
    with timezone.override(dt.UTC):
        assert format_day(late, "short_weekday", "en") == "Sat 5 Dec"


def test_day_of_nothing_naive_times_and_unknown_styles():
    assert format_day(None, "weekday", "pt-br") == ""
    assert format_day("", "weekday", "en") == ""
    assert format_day(dt.datetime(2026, 12, 4, 23, 59), "day_month", "pt-br") == "4 de dez."
    assert format_day(FRIDAY, "no-such-style", "en") == "4 Dec 2026"
    # A language Agendo has no pattern for still gets its own words (CLDR).
    assert "4 de diciembre" in format_day(FRIDAY, "weekday", "es")
