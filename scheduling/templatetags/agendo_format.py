"""Money and phone numbers as the business's clients read them, for every app's templates.

`{% load agendo_format %}`, then either filters with the business as argument
(`{{ service.price|money:business }}`, `{{ client.phone|phone:business }}`,
`{{ client.phone|phone_link }}`) or tags that take `business` from the template context
(`{% money service.price %}`, `{% phone client.phone %}`).

- money: the business's currency in the active language (the page's: a visitor who switched the
  booking page to English reads English digits), else the business's, with the business's region:
  `R$ 1.234,56` for BRL in pt-br, `R$1,234.56` in en, `€12.00` for EUR and `$12.00` for USD in en.
  The space Babel puts after `R$` is a no-break space, so an amount never wraps in two.
- phone: E.164 as stored → national format for a number of the business's country, international
  for any other; shown unchanged when it does not parse (an e-mail, a typo).
- phone_link: a `tel:` URI of the E.164 number (storage and links keep E.164).
- day: a date, or an aware datetime in the current time zone, in the active language, by style
  name (`{{ booking.start|day:"weekday" }}` → "Friday 4 December" / "sexta-feira, 4 de
  dezembro"); times stay `|time:"H:i"` (24-hour in both languages). See DAY_STYLES.
"""

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency
from django import template
from django.utils import timezone, translation

register = template.Library()

Format = phonenumbers.PhoneNumberFormat


@functools.lru_cache(maxsize=64)
def _locale(language: str, region: str) -> Locale:
    """`pt-br` → pt_BR whatever the region; `en` + `IE` → en_IE; `en` + `BR` → en (none)."""
    language = (language or "en").replace("-", "_")
    if "_" in language:
        candidates = [language, language.split("_")[0]]
    else:
        candidates = [f"{language}_{(region or '').upper()}", language]
    for candidate in candidates:
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def format_money(amount, business, language: str | None = None) -> str:
    """The amount in the business's currency, in `language` (default: the active one, else the
    business's); "" for None, as given when not a number."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if business is None:
        return f"{value:.2f}"
    language = language or translation.get_language() or business.language
    locale = _locale(language, business.phone_region)
    try:
        return format_currency(value, business.currency or "BRL", locale=locale)
    except Exception:  # an unknown currency code typed in the settings: the number, with it
        return f"{business.currency} {value:.2f}"


# Style → (English as Agendo writes it, Brazilian Portuguese, a CLDR skeleton for any other
# language). Names rather than patterns in templates, so every language orders its own words.
DAY_STYLES = {
    "weekday": ("EEEE d MMMM", "EEEE, d 'de' MMMM", "MMMMEEEEd"),  # Friday 4 December
    "weekday_year": ("EEEE d MMMM y", "EEEE, d 'de' MMMM 'de' y", "yMMMMEEEEd"),
    "short_weekday": ("EEE d MMM", "EEE, d 'de' MMM", "MMMEd"),  # Fri 4 Dec
    "short_weekday_year": ("EEE d MMM y", "EEE, d 'de' MMM 'de' y", "yMMMEd"),
    "date": ("d MMM y", "d 'de' MMM 'de' y", "yMMMd"),  # 4 Dec 2026
    "day_month": ("d MMM", "d 'de' MMM", "MMMd"),  # 4 Dec
    "numeric": ("dd/MM/y", "dd/MM/y", "yMd"),  # 04/12/2026
    "numeric_day_month": ("dd/MM", "dd/MM", "Md"),  # 04/12
    "weekday_name": ("EEEE", "EEEE", "EEEE"),  # Friday
    "weekday_abbr": ("EEE", "EEE", "EEE"),  # Fri
    "month_abbr": ("LLL", "LLL", "LLL"),  # Dec
    "day_number": ("d", "d", "d"),  # 4
}


def format_day(value, style: str = "date", language: str | None = None) -> str:
    """`value` (a date, or a datetime: aware ones in the current time zone) by DAY_STYLES name,
    in `language` (default: the active one); "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    english, portuguese, skeleton = DAY_STYLES.get(style, DAY_STYLES["date"])
    language = (language or translation.get_language() or "en").lower().replace("_", "-")
    # Locale objects, not names: Babel would parse a name again on every call.
    if language.startswith("pt"):
        return format_date(value, portuguese, locale=_locale("pt-br", ""))
    if language == "en" or language.startswith("en-"):
        # CLDR's plain English names: "Sep" as Django's `|date:"M"` wrote it (en_GB says "Sept").
        return format_date(value, english, locale=_locale("en", ""))
    locale = _locale(language, "")
    if len(set(skeleton)) == 1:  # one field (a weekday, a month): a pattern, not a skeleton
        return format_date(value, skeleton, locale=locale)
    return format_skeleton(skeleton, value, locale=locale)


@register.filter(name="day")
def day_filter(value, style: str = "date") -> str:
    return format_day(value, style)


def _parse(number: str, business):
    text = str(number or "").strip()
    if not text:
        return None
    region = (getattr(business, "phone_region", "") or "").upper() or None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def format_phone(number, business) -> str:
    parsed = _parse(number, business)
    if parsed is None:
        return "" if number is None else str(number)
    region = (getattr(business, "phone_region", "") or "").upper()
    own_country = region and phonenumbers.region_code_for_number(parsed) == region
    return phonenumbers.format_number(
        parsed, Format.NATIONAL if own_country else Format.INTERNATIONAL
    )


def phone_uri(number, business=None) -> str:
    parsed = _parse(number, business)
    if parsed is None:
        digits = re.sub(r"[^\d+]", "", str(number or ""))
        return f"tel:{digits}" if digits else ""
    return "tel:" + phonenumbers.format_number(parsed, Format.E164)


@register.filter(name="money")
def money_filter(amount, business=None) -> str:
    return format_money(amount, business)


@register.filter(name="phone")
def phone_filter(number, business=None) -> str:
    return format_phone(number, business)


@register.filter(name="phone_link")
def phone_link_filter(number, business=None) -> str:
    return phone_uri(number, business)


@register.simple_tag(name="money", takes_context=True)
def money_tag(context, amount, business=None) -> str:
    return format_money(amount, business or context.get("business"))


@register.simple_tag(name="phone", takes_context=True)
def phone_tag(context, number, business=None) -> str:
    return format_phone(number, business or context.get("business"))


@register.simple_tag(name="phone_link", takes_context=True)
def phone_link_tag(context, number, business=None) -> str:
    return phone_uri(number, business or context.get("business"))
