"""Phone numbers in, E.164 out (phonenumbers), with the business's region as the default."""

import phonenumbers

from bookings.errors import booking_error


def phone_normalize(raw: str, *, region: str) -> str:
    """`"(11) 91234-5678"` in BR → `"+5511912345678"`; refuses what is not a valid number."""
    text = (raw or "").strip()
    if not text:
        raise booking_error("invalid_phone", "Please enter a phone number.", "phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise booking_error("invalid_phone", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise booking_error("invalid_phone", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
