"""The country of a time zone: sign-up reads the business's phone in it, and a new business's
settings take their phone region, currency and language from it."""

from functools import cache
from pathlib import Path

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
        raise ValueError("Enter a valid phone number: + and the country code, then the number.")
    country = geocoder.country_name_for_number(example, "en") or region
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    raise ValueError(
        f"Enter a valid phone number in {country}, such as {national}, "
        "or start with + and the country code."
    )
