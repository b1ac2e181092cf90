"""Phone numbers in, E.164 out (phonenumbers), with the business's region as the default."""

import phonenumbers
from django.utils.translation import gettext as _

from bookings.errors import booking_error


def phone_normalize(raw: str, *, region: str) -> str:
    """`"(11) 91234-5678"` in BR → `"+5511912345678"`; refuses what is not a valid number."""
    text = (raw or "").strip()
    if not text:
        raise booking_error("invalid_phone", _("Please enter a phone number."), "phone")
    # "00" dials abroad; in Brazil "00" + carrier + country code does too, which phonenumbers
    # reads from the raw text. Try the "+" reading first, then the raw one.
    candidates = ["+" + text[2:], text] if text.startswith("00") else [text]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region.upper())
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise booking_error("invalid_phone", field="phone")


def phone_display(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
