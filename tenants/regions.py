"""The countries sign-up offers, each with its main time zone, currency, phone region and
language; and the country of a time zone (a business whose country is not given)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@cache
def _region_by_timezone() -> dict[str, str]:
    """Country of each time zone, from the system's tz database (empty if it has none)."""
    if not ZONE_TAB.is_file():
        return {}
    regions = {}
    for line in ZONE_TAB.read_text().splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            regions[zone] = code
    return regions


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166 alpha-2, also the phone region
    name: str
    timezone: str  # the main one; sign-up lets the owner choose another
    currency: str
    language: str  # one of settings.LANGUAGES; "" when we do not speak it: the browser's


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("BR", _("Brazil"), "America/Sao_Paulo", "BRL", "pt-br"),
        Country("PT", _("Portugal"), "Europe/Lisbon", "EUR", "pt-br"),
        Country("US", _("United States"), "America/New_York", "USD", "en"),
        Country("GB", _("United Kingdom"), "Europe/London", "GBP", "en"),
        Country("IE", _("Ireland"), "Europe/Dublin", "EUR", "en"),
        Country("ES", _("Spain"), "Europe/Madrid", "EUR", ""),
    )
}
DEFAULT_COUNTRY = "BR"  # our first market
# A browser language without a country (`pt`, `en`): the country it most likely means.
COUNTRY_OF_LANGUAGE = {"pt": "BR", "en": "US", "es": "ES"}


def country_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in COUNTRIES.values()]


def country_from_accept_language(header: str) -> str:
    """The offered country a browser's Accept-Language points to (`pt-BR` → BR, `en-GB` → GB,
    `pt` → BR); DEFAULT_COUNTRY when none does."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    try:
        tags = [tag for tag, _q in parse_accept_lang_header(header or "") if tag != "*"]
    except ValueError:
        tags = []
    for tag in tags:
        language, _sep, region = tag.replace("_", "-").partition("-")
        region = region.split("-")[-1].upper() if region else ""
        if region in COUNTRIES:
            return region
        if language.lower() in COUNTRY_OF_LANGUAGE:
            return COUNTRY_OF_LANGUAGE[language.lower()]
    return DEFAULT_COUNTRY


def country_for_timezone(timezone: str) -> str:
    """The offered country of a time zone (`Europe/Lisbon` → PT); DEFAULT_COUNTRY otherwise."""
    region = region_for_timezone(timezone, default=DEFAULT_COUNTRY)
    return region if region in COUNTRIES else DEFAULT_COUNTRY


def region_for_timezone(timezone: str, default: str = "BR") -> str:
    """`"Europe/Lisbon"` → `"PT"`; `default` for zones of no country (UTC) or unknown ones."""
    return _region_by_timezone().get(timezone, default)


def phone_to_e164(raw: str, *, region: str) -> str:
    """`"(11) 91234-5678"` in BR → `"+5511912345678"`; ValueError, saying how, for a bad one."""
    import phonenumbers

    text = raw.strip()
    if text.startswith("00"):  # dialling abroad
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    from phonenumbers import geocoder

    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if example is None:
        raise ValueError(
            gettext("Enter a valid phone number: + and the country code, then the number.")
        )
    offered = COUNTRIES.get(region.upper())
    language = (get_language() or "en").split("-")[0]
    country = str(offered.name) if offered else None
    country = country or geocoder.country_name_for_number(example, language) or region
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    raise ValueError(
        gettext(
            "Enter a valid phone number in %(country)s, such as %(example)s, "
            "or start with + and the country code."
        )
        % {"country": country, "example": national}
    )
