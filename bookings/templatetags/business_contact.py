"""How a client reaches the business: the data behind `bookings/public/_contact.html`.

The phone is shown as the shared `phone` filter shows it (national format of the business's
country, international for another's) and linked as E.164 (`tel:`) and as a WhatsApp chat
(`wa.me`, only for a valid number: we must be sure of its country code); the address links to
a map search.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import phonenumbers
from django import template

from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import format_phone, phone_uri

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


def _phone_parts(business) -> tuple[str, str, str]:
    """(shown, tel: URI, WhatsApp URL) of the business's phone; empty strings when there is none."""
    raw = (business.contact_phone or "").strip()
    if not raw:
        return "", "", ""
    tel = phone_uri(raw, business)
    whatsapp = ""
    try:
        number = phonenumbers.parse(raw, (business.phone_region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        whatsapp = "https://wa.me/" + tel.removeprefix("tel:+")
    return format_phone(raw, business), tel, whatsapp


def contact_for(business, *, name: str = "") -> Contact:
    phone, tel, whatsapp_url = _phone_parts(business)
    address = (business.address or "").strip()
    return Contact(
        name=business.display_name or name,
        phone=phone,
        phone_uri=tel,
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
