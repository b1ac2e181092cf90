from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.errors import BookingError
from bookings.forms import DateRangeFilterForm
from bookings.phones import phone_normalize
from notifications.defaults import PLACEHOLDERS
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.rendering import fill, unknown_placeholders

ALLOWED = ", ".join("{" + name + "}" for name in PLACEHOLDERS)


class MessageFilterForm(DateRangeFilterForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *Message.Status.choices],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("Any channel")), *Channel.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *Kind.choices],
    )
    field_order = ["status", "channel", "kind", "date_from", "date_to"]


class ChannelSettingsForm(forms.ModelForm):
    """The access token is write-only: never rendered back; left empty, the saved one stays."""

    whatsapp_access_token = forms.CharField(
        required=False,
        max_length=512,
        label=gettext_lazy("WhatsApp access token"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    remove_token = forms.BooleanField(
        required=False, label=gettext_lazy("Remove the saved access token")
    )

    class Meta:
        model = ChannelSettings
        fields = [
            "whatsapp_enabled",
            "whatsapp_phone_number_id",
            "whatsapp_access_token",
            "whatsapp_template_name",
            "email_enabled",
            "email_from",
            "follow_up_hours",
        ]
        labels = {
            "whatsapp_enabled": gettext_lazy("Send WhatsApp messages"),
            "whatsapp_phone_number_id": gettext_lazy("WhatsApp phone-number id"),
            "whatsapp_template_name": gettext_lazy("Approved template name"),
            "email_enabled": gettext_lazy("Send e-mails"),
            "email_from": gettext_lazy("Sender e-mail"),
            "follow_up_hours": gettext_lazy("Follow-up after (hours)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_saved_token = bool(self.instance.whatsapp_access_token)
        self._saved_token = self.instance.whatsapp_access_token
        self.initial["whatsapp_access_token"] = ""
        self.fields["whatsapp_access_token"].help_text = (
            _("A token is saved. Leave empty to keep it.")
            if self.has_saved_token
            else _("From Meta's WhatsApp Cloud API; needed with your own phone-number id.")
        )

    def clean_follow_up_hours(self) -> int:
        hours = self.cleaned_data["follow_up_hours"]
        if hours > 24 * 30:
            raise ValidationError(_("Send the follow-up within 30 days (720 hours) at most."))
        return hours

    def clean(self):
        cleaned = super().clean()
        token = (cleaned.get("whatsapp_access_token") or "").strip()
        if cleaned.get("remove_token"):
            if token:
                self.add_error("whatsapp_access_token", _("Either type a new token or remove it."))
            cleaned["whatsapp_access_token"] = ""
        elif not token:
            cleaned["whatsapp_access_token"] = self._saved_token
        else:
            cleaned["whatsapp_access_token"] = token
        return cleaned


def _placeholder_errors(text: str) -> list[str]:
    try:
        unknown = unknown_placeholders(text)
    except ValueError:
        unknown = []
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        return [
            ngettext(
                "Unknown placeholder %(names)s. Use only %(allowed)s.",
                "Unknown placeholders %(names)s. Use only %(allowed)s.",
                len(unknown),
            )
            % {"names": names, "allowed": ALLOWED}
        ]
    filled = fill(text, {name: "" for name in PLACEHOLDERS})
    if "{" in filled or "}" in filled:
        return [
            _("Braces are only for placeholders, written like %(example)s: %(allowed)s.")
            % {"example": "{client_name}", "allowed": ALLOWED}
        ]
    return []


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Write the message: it cannot be empty.")},
    )

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel != Channel.EMAIL:
            del self.fields["subject"]  # WhatsApp sends the body alone

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise ValidationError(_("E-mails need a subject."))
        for error in _placeholder_errors(subject):
            raise ValidationError(error)
        return subject

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        for error in _placeholder_errors(body):
            raise ValidationError(error)
        return body


class TestSendForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    recipient = forms.CharField(
        max_length=254,
        label=gettext_lazy("Send to"),
        help_text=gettext_lazy(
            "A WhatsApp phone number or an e-mail address, matching the channel."
        ),
    )

    def __init__(self, *args, region: str, **kwargs):
        # It shares the messages page with the filters, which also have a "channel".
        kwargs.setdefault("auto_id", "id_test_%s")
        super().__init__(*args, **kwargs)
        self.region = region

    def clean(self):
        cleaned = super().clean()
        channel, recipient = cleaned.get("channel"), (cleaned.get("recipient") or "").strip()
        if not channel or not recipient:
            return cleaned
        if channel == Channel.WHATSAPP:
            try:
                cleaned["recipient"] = phone_normalize(recipient, region=self.region)
            except BookingError as exc:
                self.add_error("recipient", exc.message)
        else:
            try:
                validate_email(recipient)
            except ValidationError:
                self.add_error("recipient", _("Please enter a valid e-mail address."))
            else:
                cleaned["recipient"] = recipient
        return cleaned


class ClientMessageForm(forms.Form):
    """A member's own message to one client: the channel (what can reach them now) and text."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Send by"), choices=Channel.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=4000,  # WhatsApp takes 4,096 characters of text
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write the message: it cannot be empty.")},
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write the message: it cannot be empty."))
        return body
