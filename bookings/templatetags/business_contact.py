"""How a client reaches the business: the data behind `bookings/public/_contact.html`.

The phone is shown in the national format of the business's country (international for a
number of another country) and linked as E.164 (`tel:`) and as a WhatsApp chat (`wa.me`); the
address links to a map search. A phone that does not parse is shown as typed, with no WhatsApp
link (we cannot be sure of its country code).
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import phonenumbers
from django import template

from scheduling.models import BusinessSettings

register = template.Library()

MAP_SEARCH = "https://www.openstreetmap.org/search?"


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""  # as shown
    phone_uri: str = ""  # tel:+5511...
    whatsapp_url: str = ""
    address: str = ""
    map_url: str = ""
    email: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.address or self.email)


def _phone_parts(raw: str, region: str) -> tuple[str, str, str]:
    """(shown, tel: URI, WhatsApp URL) for a stored phone; empty strings when there is none."""
    text = (raw or "").strip()
    if not text:
        return "", "", ""
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return text, "tel:" + re.sub(r"[^\d+]", "", text), ""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    home = phonenumbers.region_code_for_number(number) == (region or "").upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return phonenumbers.format_number(number, style), f"tel:{e164}", f"https://wa.me/{e164[1:]}"


def contact_for(business, *, name: str = "") -> Contact:
    phone, phone_uri, whatsapp_url = _phone_parts(business.contact_phone, business.phone_region)
    address = (business.address or "").strip()
    return Contact(
        name=business.display_name or name,
        phone=phone,
        phone_uri=phone_uri,
        whatsapp_url=whatsapp_url,
        address=address,
        map_url=MAP_SEARCH + urlencode({"query": address}) if address else "",
        email=business.contact_email,
    )


@register.simple_tag(takes_context=True)
def business_contact(context) -> Contact | None:
    """`{% business_contact as contact %}`: the current business's contact, None off its host."""
    business = context.get("business")
    if not isinstance(business, BusinessSettings):  # off its host (or a closed one's page)
        return None
    tenant = context.get("tenant")
    return contact_for(business, name=getattr(tenant, "name", ""))
