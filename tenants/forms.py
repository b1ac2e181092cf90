import time
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing

from accounts.models import User
from tenants import services
from tenants.errors import SignupError
from tenants.models import Tenant
from tenants.regions import phone_to_e164, region_for_timezone

COMMON_TIMEZONES = [
    "America/Sao_Paulo",
    "America/Fortaleza",
    "America/Manaus",
    "Europe/Lisbon",
    "America/New_York",
    "Europe/London",
    "UTC",
]


def timezone_choices() -> list[tuple[str, str]]:
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIMEZONES) - {"localtime"})
    return [(tz, tz.replace("_", " ")) for tz in COMMON_TIMEZONES + rest]


# The sign-up form carries the moment it was shown, signed: a person needs a while to fill it in,
# a script posts at once. Older than this, the form is shown again with a fresh stamp.
SIGNUP_STAMP_SALT = "tenants.signup.shown-at"
SIGNUP_STAMP_MAX_AGE = 60 * 60 * 24


def signup_stamp(*, shown_at: float | None = None) -> str:
    """The signed moment the form was shown (now unless given)."""
    moment = int(time.time() if shown_at is None else shown_at)
    return signing.Signer(salt=SIGNUP_STAMP_SALT).sign(str(moment))


def signup_seconds_open(stamp: str) -> float | None:
    """Seconds since the form with this stamp was shown; None if forged, garbled or too old."""
    try:
        moment = int(signing.Signer(salt=SIGNUP_STAMP_SALT).unsign(stamp))
    except (signing.BadSignature, ValueError):
        return None
    elapsed = time.time() - moment
    if elapsed < 0 or elapsed > SIGNUP_STAMP_MAX_AGE:
        return None
    return elapsed


def signup_too_fast(stamp: str) -> bool:
    elapsed = signup_seconds_open(stamp)
    return elapsed is not None and elapsed < settings.SIGNUP_MIN_FILL_SECONDS


class SignupForm(forms.Form):
    name = forms.CharField(label="Business name", max_length=100)
    slug = forms.CharField(
        label="Your booking page address",
        max_length=40,
        required=False,
        help_text="Made from the name; change it if you like. "
        "Lowercase letters, digits and hyphens; 3 to 40 characters.",
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    business_type = forms.ChoiceField(label="Type of business", choices=Tenant.BusinessType.choices)
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    phone = forms.CharField(
        label="Business phone (WhatsApp)",
        max_length=30,
        help_text="Clients see it on your booking page. Numbers of another country start with +.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label="Street address",
        max_length=255,
        required=False,
        help_text="Where clients come to you; leave it empty if you go to them or work online.",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    owner_name = forms.CharField(label="Your name", max_length=150)
    owner_email = forms.EmailField(label="Your e-mail")
    owner_password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    # A field people never see: bots fill it (as on the booking page).
    website = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown_at"].initial = signup_stamp()
        self.fields["timezone"].initial = "America/Sao_Paulo"
        self.fields["timezone"].error_messages["invalid_choice"] = (
            "Choose a time zone from the list."
        )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if not slug:
            # Without JavaScript nothing filled it in: make one from the name.
            slug = services.slug_suggest(self.cleaned_data.get("name", ""))
            if not slug and self.cleaned_data.get("name"):
                raise forms.ValidationError(
                    "Choose an address: the name has too few letters to make one.",
                    code="slug_required",
                )
            return slug
        try:
            services.slug_validate(slug)
        except SignupError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if services.slug_is_taken(slug):
            free = services.slug_suggest(slug)
            raise forms.ValidationError(
                f"“{slug}” is already taken." + (f" “{free}” is free." if free else ""),
                code="slug_taken",
            )
        return slug

    def clean_owner_email(self) -> str:
        return self.cleaned_data["owner_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and "timezone" in cleaned:
            region = region_for_timezone(cleaned["timezone"])
            try:
                cleaned["phone"] = phone_to_e164(cleaned["phone"], region=region)
            except ValueError as exc:
                self.add_error("phone", str(exc))
        password = cleaned.get("owner_password")
        if password:
            probe = User(
                email=cleaned.get("owner_email", ""), full_name=cleaned.get("owner_name", "")
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("owner_password", exc)
        return cleaned


class LoginHelpForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
