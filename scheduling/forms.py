import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from scheduling import dates
from scheduling.embed import MAX_EMBED_DOMAINS, embed_domain_normalize
from scheduling.models import (
    BusinessSettings,
    Question,
    Resource,
    ResourceCategory,
    Service,
    ServiceCategory,
    TimeOff,
    Weekday,
    label_shown,
)
from scheduling.presets import BUSINESS_TYPES, PresetService
from scheduling.services import Week, hours_week_problems
from scheduling.uploads import IMAGE_ACCEPT, LOGO_MAX_SIDE, PHOTO_MAX_SIDE, image_upload_clean
from tenants.forms import business_type_choices, timezone_choices

COLOR_INPUT = forms.TextInput(attrs={"type": "color"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


HOUR, DAY = 60, 60 * 24
REMINDER_OFFSETS = (
    15,
    30,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    3 * DAY,
    7 * DAY,
)


def offset_label(minutes: int) -> str:
    """“1 day before”, “2 hours before”, “1 week before”: a reminder offset in words."""
    if minutes % (7 * DAY) == 0:
        count = minutes // (7 * DAY)
        text = ngettext("%(count)d week before", "%(count)d weeks before", count)
    elif minutes % DAY == 0:
        count = minutes // DAY
        text = ngettext("%(count)d day before", "%(count)d days before", count)
    elif minutes % HOUR == 0:
        count = minutes // HOUR
        text = ngettext("%(count)d hour before", "%(count)d hours before", count)
    else:
        count = minutes
        text = ngettext("%(count)d minute before", "%(count)d minutes before", count)
    return text % {"count": count}


LABEL_FIELDS = (
    "label_resource",
    "label_resource_plural",
    "label_service",
    "label_service_plural",
    "label_client",
    "label_client_plural",
)


def settings_timezone_choices() -> list[tuple[str, str]]:
    """Sign-up's time zones without its blank "the country's main time zone": a business
    already has its time zone, and a blank one could never be saved."""
    return [(value, label) for value, label in timezone_choices() if value]


class EmbedDomainsField(forms.CharField):
    """Websites typed one per line (or separated by commas), kept as host names."""

    widget = forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"})

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=4000, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value) -> list[str]:
        text = super().clean(value) or ""
        domains, wrong = [], []
        for item in re.split(r"[\s,;]+", text):
            if not item:
                continue
            domain = embed_domain_normalize(item)
            if domain is None:
                wrong.append(item[:60])
            elif domain not in domains:
                domains.append(domain)
        if wrong:
            raise forms.ValidationError(
                _("Not a website address: %(items)s. Type it like www.example.com.")
                % {"items": ", ".join(wrong[:3])}
            )
        if len(domains) > MAX_EMBED_DOMAINS:
            raise forms.ValidationError(
                _("List at most %(count)d websites.") % {"count": MAX_EMBED_DOMAINS}
            )
        return domains


class SettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=settings_timezone_choices)
    reminder_offsets = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label=gettext_lazy("Reminders"),
        help_text=gettext_lazy("When clients get a reminder before their booking."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chip-input"}),
    )
    embed_domains = EmbedDomainsField(
        label=gettext_lazy("Your websites"),
        help_text=gettext_lazy(
            "The sites that may show your booking page inside them, one per line, such as "
            "www.example.com (HTTPS sites; *.example.com for all its subdomains)."
        ),
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
            "auto_complete_after_minutes",
            "requires_approval",
            "reminder_offsets",
            "birthday_messages",
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
            "embed_domains",
        ]
        widgets = {"primary_color": COLOR_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offsets saved before the list existed (or set elsewhere) stay offered and ticked.
        saved = set(self.instance.reminder_offsets or []) if self.instance.pk else set()
        offsets = sorted(set(REMINDER_OFFSETS) | saved)
        self.fields["reminder_offsets"].choices = [(m, offset_label(m)) for m in offsets]
        self.fields["language"].label = _("Language of the business")
        self.fields["logo"].widget.attrs["accept"] = IMAGE_ACCEPT
        self.fields["logo"].help_text = _("PNG, JPEG or WebP, up to 2 MB.")
        self.fields["birthday_messages"].label = _("Send birthday messages")
        self.fields["birthday_messages"].help_text = _(
            "Each client with a birth date gets one on their birthday, from 9:00 your time, by "
            "WhatsApp when they agreed to it, else by e-mail. Born on 29 February: on 28 "
            "February in other years. The wording is in your message templates."
        )
        if not self.is_bound and self.instance.pk:
            # The default words in the business's language, so saving keeps what clients see.
            with translation.override(self.instance.language):
                for name in LABEL_FIELDS:
                    self.initial[name] = label_shown(getattr(self.instance, name))

    def clean_phone_region(self) -> str:
        import phonenumbers

        region = self.cleaned_data["phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(_("Use a two-letter country code such as BR, PT or US."))
        return region

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("Use a three-letter currency code such as BRL or EUR."))
        return currency

    def clean_max_advance_days(self) -> int:
        days = self.cleaned_data["max_advance_days"]
        if days < 1:
            raise forms.ValidationError(_("Clients must be able to book at least one day ahead."))
        return days

    def clean_reminder_offsets(self) -> list[int]:
        return sorted(set(self.cleaned_data["reminder_offsets"] or []), reverse=True)

    def clean_logo(self):
        return image_upload_clean(self.cleaned_data.get("logo"), max_side=LOGO_MAX_SIDE)


@dataclass
class DayRows:
    """One day of the hours editor as typed: open or not, its ranges as text, its errors."""

    value: int
    label: str
    open: bool
    rows: list[tuple[str, str]]
    errors: list[str] = field(default_factory=list)


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _parse_time(text: str) -> dt.time | None:
    text = text.strip()
    if len(text) not in (5, 8):  # HH:MM or HH:MM:SS, what <input type="time"> sends
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return None


class WeekForm:
    """The whole week of one resource's (or the business's) hours, in one form.

    Posted as `day-<n>-open` plus parallel lists `day-<n>-start` / `day-<n>-end`; buttons
    `add_range=<n>`, `remove_range=<n>:<i>` and `copy_monday` ask for the form back changed,
    unsaved, so they work the same with and without JavaScript.
    """

    def __init__(self, data=None, *, week: Week | None = None, own: bool = True):
        self.data = data
        self.own = own
        if data is None:
            week = week or {}
            self.days = [
                DayRows(
                    value,
                    label,
                    bool(week.get(value)),
                    [(_hhmm(s), _hhmm(e)) for s, e in week.get(value, [])] or [("", "")],
                )
                for value, label in Weekday.choices
            ]
        else:
            self.own = data.get("mode", "own") != "business"
            self.days = [self._posted_day(value, label) for value, label in Weekday.choices]
        self.cleaned_week: Week | None = None

    def _posted_day(self, value: int, label: str) -> DayRows:
        starts = self.data.getlist(f"day-{value}-start")[:24]
        ends = self.data.getlist(f"day-{value}-end")[:24]
        rows = [
            (start.strip(), end.strip())
            for start, end in itertools.zip_longest(starts, ends, fillvalue="")
        ]
        rows = [row for row in rows if row != ("", "")] or [("", "")]
        return DayRows(value, label, bool(self.data.get(f"day-{value}-open")), rows)

    @property
    def action(self) -> str:
        """What the submit asked: "save", "add_range", "remove_range" or "copy_monday"."""
        for name in ("add_range", "remove_range", "copy_monday"):
            if self.data is not None and name in self.data:
                return name
        return "save"

    def apply_action(self) -> str:
        """Change the form as the button asked; returns a sentence saying what changed."""
        if self.action == "copy_monday":
            monday = self.days[0]
            for day in self.days[1:5]:
                day.open, day.rows = monday.open, list(monday.rows)
            return _("Monday copied to Tuesday–Friday. Save to keep it.")
        if self.action == "add_range":
            day = self._day(self.data.get("add_range", ""))
            if day is not None:
                day.open = True
                day.rows.append(("", ""))
            return ""
        day_text, _sep, index_text = self.data.get("remove_range", "").partition(":")
        day = self._day(day_text)
        if day is not None and index_text.isdigit() and int(index_text) < len(day.rows):
            del day.rows[int(index_text)]
            day.rows = day.rows or [("", "")]
        return ""

    def _day(self, text: str) -> DayRows | None:
        return self.days[int(text)] if text.isdigit() and int(text) < len(self.days) else None

    def is_valid(self) -> bool:
        week: Week = {}
        for day in self.days:
            day.errors = []
            ranges = []
            for start_text, end_text in day.rows:
                if not day.open or (start_text, end_text) == ("", ""):
                    continue
                start, end = _parse_time(start_text), _parse_time(end_text)
                if start is None or end is None:
                    day.errors.append(
                        _("Give each range a start and an end, like 09:00 and 12:00.")
                    )
                    continue
                ranges.append((start, end))
            if day.open and not ranges and not day.errors:
                day.errors.append(_("Add the hours of this day, or mark it closed."))
            week[day.value] = ranges
        for value, messages in hours_week_problems(week).items():
            self.days[value].errors.extend(messages)
        self.cleaned_week = week
        return not any(day.errors for day in self.days)

    def add_day_error(self, value: int, message: str) -> None:
        self.days[value].errors.append(message)

    @property
    def has_errors(self) -> bool:
        return any(day.errors for day in self.days)


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["resource", "start", "end", "reason"]
        formfield_callback = dates.model_form_field
        widgets = {"start": DATETIME_INPUT, "end": DATETIME_INPUT}

    def __init__(
        self,
        *args,
        resource_label: str = "resource",
        resources=None,
        business_wide: bool = True,
        **kwargs,
    ):
        """`resources`: those the member may choose (all by default); `business_wide`: whether
        the whole business may be closed (owners and admins), else a resource is required."""
        super().__init__(*args, **kwargs)
        choices = Resource.objects.all() if resources is None else resources
        self.fields["resource"].queryset = choices.filter(is_active=True)
        self.fields["resource"].label = resource_label.capitalize()
        if business_wide:
            self.fields["resource"].empty_label = _("The whole business")
        else:
            self.fields["resource"].required = True
            self.fields["resource"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return cleaned


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ResourceCategory
        fields = ["name", "order"]


class ServiceCategoryForm(forms.ModelForm):
    class Meta:
        model = ServiceCategory
        fields = ["name", "order"]


def _attribute_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _attribute_value(text: str):
    """A row's value as stored: numbers, true/false and JSON lists stay typed, the rest text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool | list | dict) else text


class ResourceForm(forms.ModelForm):
    """A resource, the services it performs, and its attributes as key/value rows.

    The rows are posted as parallel lists `attr_key` / `attr_value`; a row left blank is
    dropped. Stored as the JSON object `Resource.attributes`, as before.
    """

    attributes = forms.CharField(required=False, widget=forms.HiddenInput)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Resource
        fields = ["name", "kind", "category", "user", "description", "color", "order"]
        widgets = {"color": COLOR_INPUT, "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, service_label: str = "services", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True)
        self.fields["user"].label = _("Team member")
        self.fields["user"].empty_label = _("Nobody (equipment, room…)")
        self.fields["category"].empty_label = _("No category")
        services = self.fields["services"]
        # As on the service form: inactive services it already performs stay listed and ticked.
        kept = Q(pk__in=self.instance.services.all()) if self.instance.pk else Q(pk__in=[])
        services.queryset = Service.objects.filter(Q(is_active=True) | kept)
        services.label_from_instance = lambda s: (
            s.name if s.is_active else _("%(name)s (inactive)") % {"name": s.name}
        )
        services.label = _("What it performs (%(services)s)") % {"services": service_label}
        if self.instance.pk:
            self.initial["services"] = list(self.instance.services.all())
        if self.is_bound:
            keys = self.data.getlist("attr_key")[:50]
            values = self.data.getlist("attr_value")[:50]
            rows = list(itertools.zip_longest(keys, values, fillvalue=""))
        else:
            attributes = self.instance.attributes if self.instance.pk else {}
            rows = [(k, _attribute_text(v)) for k, v in (attributes or {}).items()]
        self.attribute_rows = [(k.strip(), v.strip()) for k, v in rows if k.strip() or v.strip()]
        self.blank_rows = 1

    def add_attribute_row(self) -> None:
        self.blank_rows += 1

    def remove_attribute_row(self, index: int) -> None:
        if 0 <= index < len(self.attribute_rows):
            del self.attribute_rows[index]

    @property
    def attribute_rows_shown(self) -> list[tuple[str, str]]:
        """The rows plus empty ones to type new ones into."""
        return [*self.attribute_rows, *[("", "")] * self.blank_rows]

    def clean_attributes(self) -> dict:
        attributes = {}
        for key, value in self.attribute_rows:
            if not key:
                raise forms.ValidationError(
                    _("Give the value “%(value)s” a name.") % {"value": value}
                )
            if len(key) > 60:
                raise forms.ValidationError(_("Keep each name under 60 characters."))
            if key in attributes:
                raise forms.ValidationError(_("“%(name)s” appears twice.") % {"name": key})
            attributes[key] = _attribute_value(value)
        return attributes

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None:
            taken = Resource.objects.filter(user=user).exclude(pk=self.instance.pk).first()
            if taken is not None:
                raise forms.ValidationError(
                    _("%(user)s is already linked to %(resource)s.")
                    % {"user": user, "resource": taken}
                )
        return user


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "category",
            "photo",
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
        resources.label_from_instance = lambda r: (
            r.name if r.is_active else _("%(name)s (inactive)") % {"name": r.name}
        )
        resources.label = _("Who performs it (%(resources)s)") % {"resources": resource_label}
        self.fields["category"].empty_label = _("No category")
        self.fields["photo"].widget.attrs["accept"] = IMAGE_ACCEPT
        self.fields["photo"].help_text = _(
            "PNG, JPEG or WebP, up to 2 MB; shown on your booking page."
        )
        self.fields["duration_minutes"].min_value = 1
        self.fields["price"].min_value = 0

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if minutes < 1:
            raise forms.ValidationError(_("A service lasts at least one minute."))
        if minutes > 24 * 60:
            raise forms.ValidationError(_("A service can last at most 24 hours."))
        return minutes

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price cannot be negative."))
        return price

    def clean_photo(self):
        photo = image_upload_clean(self.cleaned_data.get("photo"), max_side=PHOTO_MAX_SIDE)
        if photo is None:  # nothing uploaded: the photo it has
            return self.instance.photo if self.instance.pk else ""
        return photo or ""  # False: "remove the photo" was ticked


class PresetTypeForm(forms.Form):
    """Which business type's suggestions to show (a GET form: nothing is saved)."""

    type = forms.ChoiceField(label=gettext_lazy("Type of business"), choices=business_type_choices)


class PresetServiceForm(forms.Form):
    include = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Create it"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"), min_value=1, max_value=24 * 60
    )
    price = forms.DecimalField(
        label=gettext_lazy("Price"), min_value=0, max_digits=10, decimal_places=2
    )

    def preset_service(self) -> PresetService:
        data = self.cleaned_data
        return PresetService(data["name"].strip(), data["duration_minutes"], data["price"])


PresetServiceFormSet = forms.formset_factory(
    PresetServiceForm, extra=0, max_num=20, absolute_max=20, validate_max=True
)


class PresetsForm(forms.Form):
    business_type = forms.ChoiceField(choices=[(t, t) for t in BUSINESS_TYPES])
    resource_name = forms.CharField(max_length=100)
    hours = forms.BooleanField(required=False, initial=True)


class QuestionForm(forms.ModelForm):
    """A question of the booking form; its choices one per line."""

    choices_text = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line (for a choice question)."),
    )

    class Meta:
        model = Question
        fields = ["label", "help_text", "kind", "required", "target", "services", "is_active"]
        fields += ["order"]
        widgets = {"services": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        services = self.fields["services"]
        services.queryset = Service.objects.filter(is_active=True).order_by("order", "name")
        services.help_text = _("None ticked: asked for every service.")
        if self.instance.pk and not self.is_bound:
            self.initial["choices_text"] = "\n".join(self.instance.choices)

    def clean(self):
        cleaned = super().clean()
        lines = (cleaned.get("choices_text") or "").splitlines()
        choices = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
        if any(len(choice) > 100 for choice in choices):
            self.add_error("choices_text", _("Each choice can have at most 100 characters."))
        if cleaned.get("kind") == Question.Kind.CHOICE and not choices:
            self.add_error("choices_text", _("Give the choices, one per line."))
        cleaned["choices"] = choices if cleaned.get("kind") == Question.Kind.CHOICE else []
        self.instance.choices = cleaned["choices"]  # the model's constraint is checked next
        return cleaned
