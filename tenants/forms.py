import zoneinfo

from django import forms
from django.contrib.auth import password_validation

from accounts.models import User
from tenants import services
from tenants.errors import SignupError
from tenants.models import Tenant

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


class SignupForm(forms.Form):
    name = forms.CharField(label="Business name", max_length=100)
    slug = forms.CharField(
        label="Your booking page address",
        max_length=40,
        help_text="Lowercase letters, digits and hyphens; 3 to 40 characters.",
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    business_type = forms.ChoiceField(label="Type of business", choices=Tenant.BusinessType.choices)
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    owner_name = forms.CharField(label="Your name", max_length=150)
    owner_email = forms.EmailField(label="Your e-mail")
    owner_password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = "America/Sao_Paulo"
        self.fields["timezone"].error_messages["invalid_choice"] = (
            "Choose a time zone from the list."
        )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        try:
            services.slug_validate(slug)
        except SignupError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if services.slug_is_taken(slug):
            raise forms.ValidationError(f"“{slug}” is already taken.", code="slug_taken")
        return slug

    def clean_owner_email(self) -> str:
        return self.cleaned_data["owner_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
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
