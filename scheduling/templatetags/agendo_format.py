"""Money and phone numbers as the business's clients read them, for every app's templates.

`{% load agendo_format %}`, then either filters with the business as argument
(`{{ service.price|money:business }}`, `{{ client.phone|phone:business }}`,
`{{ client.phone|phone_link }}`) or tags that take `business` from the template context
(`{% money service.price %}`, `{% phone client.phone %}`).

- money: the business's currency in its locale (language, with its region or the business's):
  `R$ 55,50` for BRL in pt-br, `€12.00` for EUR and `$12.00` for USD in en. The space Babel puts
  after `R$` is a no-break space, so an amount never wraps in two.
- phone: E.164 as stored → national format for a number of the business's country, international
  for any other; shown unchanged when it does not parse (an e-mail, a typo).
- phone_link: a `tel:` URI of the E.164 number (storage and links keep E.164).
"""

import functools
import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django import template

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


def format_money(amount, business) -> str:
    """The amount in the business's currency and locale; "" for None, as given when not a number."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if business is None:
        return f"{value:.2f}"
    locale = _locale(business.language, business.phone_region)
    try:
        return format_currency(value, business.currency or "BRL", locale=locale)
    except Exception:  # an unknown currency code typed in the settings: the number, with it
        return f"{business.currency} {value:.2f}"


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
