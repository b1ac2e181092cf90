from django import forms
from django.utils.translation import gettext_lazy

from webhooks.errors import WebhookError
from webhooks.models import Delivery, EventType
from webhooks.ssrf import url_check


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Where we POST each event, e.g. https://example.com/agendo-hook."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=120, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one event.")},
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            url_check(url)
        except WebhookError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return url


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any status")),
            *Delivery.Status.choices,
        ],
    )
