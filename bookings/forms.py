import datetime as dt

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.errors import BookingError
from bookings.models import Booking, Client, ClientInteraction
from bookings.phones import phone_normalize
from scheduling import dates
from scheduling.models import Resource, Service


class DateRangeFilterForm(forms.Form):
    """A list's optional From/Until dates (local days), refused when they run backwards."""

    date_from = dates.DateField(
        required=False,
        label=pgettext_lazy("dates", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = dates.DateField(
        required=False,
        label=pgettext_lazy("dates", "Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class BookingFilterForm(DateRangeFilterForm):
    # The list opens on today and what is ahead, soonest first; past bookings, latest first.
    WHEN = [
        ("upcoming", _("Today and upcoming")),
        ("past", pgettext_lazy("bookings", "Past")),
        ("all", _("All dates")),
    ]
    when = forms.ChoiceField(required=False, choices=WHEN, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("Any status")), *Booking.Status.choices]
    )
    resource = forms.ModelChoiceField(queryset=Resource.objects.none(), required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.all(), required=False)
    client = forms.CharField(required=False, label=_("Client (name or phone)"))
    field_order = ["when", "status", "date_from", "date_to", "resource", "service", "client"]

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["resource"].empty_label = _("Everyone")
        self.fields["service"].empty_label = _("Any service")


class NewBookingForm(forms.Form):
    """Staff booking: an existing client or a new one, a service, a resource or any, a slot."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("Choose one found by the search, or enter a new one below.")
        },
    )
    client_name = forms.CharField(required=False, max_length=150, label=_("New client's name"))
    client_phone = forms.CharField(required=False, max_length=40, label=_("Phone (WhatsApp)"))
    client_email = forms.EmailField(required=False, label=_("E-mail"))
    service = forms.ModelChoiceField(queryset=Service.objects.filter(is_active=True))
    # More services in the same booking (haircut + beard): after `service`, in the list's order.
    extra_services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.filter(is_active=True),
        required=False,
        label=_("Also in this booking"),
        widget=forms.CheckboxSelectMultiple,
    )
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one from the list.")},
    )
    date = dates.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = dates.DateTimeField(required=False, widget=forms.HiddenInput)
    override = forms.BooleanField(
        required=False, label=_("Override hours, notice and advance (recorded)")
    )
    override_time = forms.TimeField(
        required=False,
        label=_("Time (with override)"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    internal_notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Internal notes")
    )

    def __init__(self, *args, resources, clients, **kwargs):
        """`resources` and `clients` are what the user may see: nothing else can be posted."""
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients.filter(is_active=True)
        self.fields["resource"].queryset = resources
        self.fields["resource"].empty_label = _("Any available")

    def clean(self):
        cleaned = super().clean()
        # The main service ticked again among the extras counts once.
        main = cleaned.get("service")
        cleaned["extra_services"] = [s for s in cleaned.get("extra_services", []) if s != main]
        if not cleaned.get("client") and not (
            cleaned.get("client_name") and cleaned.get("client_phone")
        ):
            self.add_error(
                "client_name",
                _("Choose a client from the search, or give a new one's name and phone."),
            )
        if cleaned.get("override"):
            if not cleaned.get("override_time"):
                self.add_error("override_time", _("Give the time to book with the override."))
            if not cleaned.get("resource"):
                self.add_error("resource", _("Choose who does it when overriding the rules."))
        elif not cleaned.get("start"):
            self.add_error("start", _("Choose a time from the list."))
        return cleaned


class RescheduleForm(forms.Form):
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one from the list.")},
    )
    date = dates.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = dates.DateTimeField(required=False, widget=forms.HiddenInput)
    override = forms.BooleanField(required=False, label=_("Override hours, notice and advance"))
    override_time = forms.TimeField(
        required=False,
        label=_("Time (with override)"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["resource"].empty_label = _("Same as now")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("override") and not cleaned.get("override_time"):
            self.add_error("override_time", _("Give the time to book with the override."))
        elif not cleaned.get("override") and not cleaned.get("start"):
            self.add_error("start", _("Choose a time from the list."))
        return cleaned


class BookingChangeForm(forms.Form):
    """Staff change a booking's services (the end moves), its price and its notes."""

    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        label=_("Services"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    price = forms.DecimalField(
        label=_("Price for this booking"), max_digits=10, decimal_places=2, min_value=0
    )
    client_notes = forms.CharField(
        label=_("Client's notes"), required=False, max_length=1000, widget=forms.Textarea
    )
    internal_notes = forms.CharField(
        label=_("Internal notes"), required=False, max_length=2000, widget=forms.Textarea
    )
    override = forms.BooleanField(
        required=False, label=_("Allow past closing time (override the hours)")
    )

    def __init__(self, *args, booking: Booking, current: list[Service], **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "services": current,
                "price": booking.price,
                "client_notes": booking.client_notes,
                "internal_notes": booking.internal_notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields["services"].queryset = Service.objects.filter(
            Q(is_active=True, resources=booking.resource_id) | Q(pk__in=[s.pk for s in current])
        ).distinct()
        for name in ("client_notes", "internal_notes"):
            self.fields[name].widget.attrs["rows"] = 2

    def chosen_services(self) -> list[Service]:
        """The ticked services: those the booking had first, in its order, then the new ones."""
        ticked = list(self.cleaned_data["services"])
        kept = [s for s in self.current if s in ticked]
        return kept + [s for s in ticked if s not in kept]


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=255, label=_("Reason (optional)"))


class ClientForm(forms.ModelForm):
    tags = forms.CharField(
        required=False, help_text=_("Comma-separated, e.g. regular, beard"), label=_("Tags")
    )

    class Meta:
        model = Client
        formfield_callback = dates.model_form_field
        fields = [
            "name",
            "phone",
            "email",
            "birth_date",
            "tags",
            "is_vip",
            "whatsapp_consent",
            "notes",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        if self.instance.pk:
            self.initial["tags"] = ", ".join(self.instance.tags)
        self.fields["phone"].help_text = _("With area code; +country for numbers from abroad.")

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone") or ""
        if not raw.strip():
            return ""
        try:
            return phone_normalize(raw, region=self.region)
        except BookingError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return sorted({t.strip().lower() for t in raw.split(",") if t.strip()})[:20]

    def clean_birth_date(self):
        born = self.cleaned_data.get("birth_date")
        if born and born > dt.date.today():
            raise forms.ValidationError(_("The birth date is in the future."))
        return born


class InteractionForm(forms.ModelForm):
    class Meta:
        model = ClientInteraction
        fields = ["kind", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 2})}
        labels = {"body": _("What happened")}
