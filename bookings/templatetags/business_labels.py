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
    "professional": pgettext_lazy("what a business calls things", "professional"),
    "professionals": pgettext_lazy("what a business calls things", "professionals"),
    "service": pgettext_lazy("what a business calls things", "service"),
    "services": pgettext_lazy("what a business calls things", "services"),
    "client": pgettext_lazy("what a business calls things", "client"),
    "clients": pgettext_lazy("what a business calls things", "clients"),
    "patient": pgettext_lazy("what a business calls things", "patient"),
    "patients": pgettext_lazy("what a business calls things", "patients"),
    "tutor": pgettext_lazy("what a business calls things", "tutor"),
    "tutors": pgettext_lazy("what a business calls things", "tutors"),
    "lesson": pgettext_lazy("what a business calls things", "lesson"),
    "lessons": pgettext_lazy("what a business calls things", "lessons"),
    "student": pgettext_lazy("what a business calls things", "student"),
    "students": pgettext_lazy("what a business calls things", "students"),
    "space": pgettext_lazy("what a business calls things", "space"),
    "spaces": pgettext_lazy("what a business calls things", "spaces"),
    "rental": pgettext_lazy("what a business calls things", "rental"),
    "rentals": pgettext_lazy("what a business calls things", "rentals"),
}


def label_text(word) -> str:
    """`word` in the active language when it is one of Agendo's own label words, else as is."""
    word = "" if word is None else str(word)
    known = KNOWN.get(word.strip().lower())
    return str(known) if known is not None else word


@register.filter(name="label")
def label_filter(word) -> str:
    return label_text(word)
