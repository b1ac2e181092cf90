"""The business's white-label words ("professional", "lesson"…) in the page's language.

A business's labels are its own data, shown as written, except the words Agendo itself gives them
(the defaults and the type presets, stored in English): those are shown translated, so a pt-BR
booking page says "Qualquer profissional", not "Qualquer professional". A word the owner typed
themself ("barbeiro") is theirs and passes through.

    {% load business_labels %}{{ labels.resource|label }}
"""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# Every label word the defaults and the presets (scheduling/presets.py) give a business.
KNOWN = {
    "professional": pgettext_lazy("business label", "professional"),
    "professionals": pgettext_lazy("business label", "professionals"),
    "service": pgettext_lazy("business label", "service"),
    "services": pgettext_lazy("business label", "services"),
    "client": pgettext_lazy("business label", "client"),
    "clients": pgettext_lazy("business label", "clients"),
    "patient": pgettext_lazy("business label", "patient"),
    "patients": pgettext_lazy("business label", "patients"),
    "tutor": pgettext_lazy("business label", "tutor"),
    "tutors": pgettext_lazy("business label", "tutors"),
    "lesson": pgettext_lazy("business label", "lesson"),
    "lessons": pgettext_lazy("business label", "lessons"),
    "student": pgettext_lazy("business label", "student"),
    "students": pgettext_lazy("business label", "students"),
    "space": pgettext_lazy("business label", "space"),
    "spaces": pgettext_lazy("business label", "spaces"),
    "rental": pgettext_lazy("business label", "rental"),
    "rentals": pgettext_lazy("business label", "rentals"),
}


def label_text(word) -> str:
    """`word` in the active language when it is one of Agendo's own label words, else as is."""
    word = "" if word is None else str(word)
    known = KNOWN.get(word.strip().lower())
    return str(known) if known is not None else word


@register.filter(name="label")
def label_filter(word) -> str:
    return label_text(word)
