"""The business's white-label words ("professional", "lesson"…) in the page's language.

A business's labels are its own data, shown as written, except the words Agendo itself gives them
(the defaults and the type presets, stored in English): those are shown translated, so a pt-BR
booking page says "Qualquer profissional", not "Qualquer professional". A word the owner typed
themself ("barbeiro") is theirs and passes through.

    {% load business_labels %}{{ labels.resource|label }}
"""

from django import template

from scheduling.models import label_shown

register = template.Library()


@register.filter(name="label")
def label_filter(word) -> str:
    """One of Agendo's own label words in the page's language; the business's own as typed."""
    return label_shown(word)
