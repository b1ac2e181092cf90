from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What uses it, e.g. “Website widget” or “CRM sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiKey.Scope.READ],
        help_text=_("Read: services, availability, bookings and clients. Write: create and "
                    "change bookings and clients."),
    )  # fmt: skip
