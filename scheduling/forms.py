import json

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Q

from accounts.models import User
from scheduling.models import (
    BusinessSettings,
    Resource,
    ResourceCategory,
    Service,
    TimeOff,
    Weekday,
)
from tenants.forms import timezone_choices

COLOR_INPUT = forms.TextInput(attrs={"type": "color"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    reminder_offsets = SimpleArrayField(
        forms.IntegerField(min_value=1, max_value=60 * 24 * 14),
        required=False,
        label="Reminders (minutes before)",
        help_text="Comma-separated, e.g. 1440, 120 for a day and two hours before.",
    )

    class Meta:
        model = BusinessSettings
        fields = [
            "display_name",
            "timezone",
            "language",
            "phone_region",
            "currency",
            "slot_interval",
            "min_notice_minutes",
            "max_advance_days",
            "cancellation_window_hours",
            "requires_approval",
            "reminder_offsets",
            "label_resource",
            "label_resource_plural",
            "label_service",
            "label_service_plural",
            "label_client",
            "label_client_plural",
            "logo",
            "primary_color",
            "contact_phone",
            "contact_email",
            "address",
        ]
        widgets = {"primary_color": COLOR_INPUT}

    def clean_phone_region(self) -> str:
        import phonenumbers

        region = self.cleaned_data["phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError("Use a two-letter country code such as BR, PT or US.")
        return region

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Use a three-letter currency code such as BRL or EUR.")
        return currency

    def clean_max_advance_days(self) -> int:
        days = self.cleaned_data["max_advance_days"]
        if days < 1:
            raise forms.ValidationError("Clients must be able to book at least one day ahead.")
        return days

    def clean_reminder_offsets(self) -> list[int]:
        return sorted(set(self.cleaned_data["reminder_offsets"] or []), reverse=True)


class HoursForm(forms.Form):
    weekday = forms.TypedChoiceField(coerce=int, choices=Weekday.choices)
    start = forms.TimeField(widget=TIME_INPUT)
    end = forms.TimeField(widget=TIME_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        return cleaned


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["resource", "start", "end", "reason"]
        widgets = {"start": DATETIME_INPUT, "end": DATETIME_INPUT}

    def __init__(self, *args, resource_label: str = "resource", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = Resource.objects.filter(is_active=True)
        self.fields["resource"].empty_label = "The whole business"
        self.fields["resource"].label = resource_label.capitalize()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        return cleaned


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ResourceCategory
        fields = ["name", "order"]


class ResourceForm(forms.ModelForm):
    attributes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Optional details as JSON, e.g. {"languages": ["pt", "en"], "seats": 2}.',
    )

    class Meta:
        model = Resource
        fields = ["name", "kind", "category", "user", "description", "color", "order", "attributes"]
        widgets = {"color": COLOR_INPUT, "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True)
        self.fields["user"].label = "Team member"
        self.fields["user"].empty_label = "Nobody (equipment, room…)"
        if self.instance.pk:
            self.initial["attributes"] = json.dumps(self.instance.attributes or {}, indent=1)

    def clean_attributes(self) -> dict:
        raw = (self.cleaned_data.get("attributes") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"This is not valid JSON ({exc.msg}).") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('Use an object, e.g. {"seats": 2}.')
        return value

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None:
            taken = Resource.objects.filter(user=user).exclude(pk=self.instance.pk).first()
            if taken is not None:
                raise forms.ValidationError(f"{user} is already linked to {taken}.")
        return user


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "duration_minutes",
            "price",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "resources",
            "is_public",
            "color",
            "order",
        ]
        widgets = {
            "color": COLOR_INPUT,
            "description": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, resource_label: str = "resources", **kwargs):
        super().__init__(*args, **kwargs)
        resources = self.fields["resources"]
        # Inactive ones this service already has stay listed (and ticked): saving the form must
        # not quietly take the service away from someone who is only away for a while.
        kept = Q(pk__in=self.instance.resources.all()) if self.instance.pk else Q(pk__in=[])
        resources.queryset = Resource.objects.filter(Q(is_active=True) | kept)
        resources.label_from_instance = lambda r: r.name if r.is_active else f"{r.name} (inactive)"
        resources.label = f"Who performs it ({resource_label})"
        self.fields["duration_minutes"].min_value = 1
        self.fields["price"].min_value = 0

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if minutes < 1:
            raise forms.ValidationError("A service lasts at least one minute.")
        if minutes > 24 * 60:
            raise forms.ValidationError("A service can last at most 24 hours.")
        return minutes

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError("The price cannot be negative.")
        return price
