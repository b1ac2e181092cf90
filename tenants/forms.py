import json
import time
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from tenants import services
from tenants.errors import SignupError
from tenants.models import Plan, Tenant
from tenants.regions import (
    COUNTRIES,
    country_choices,
    country_for_timezone,
    phone_to_e164,
)

COMMON_TIMEZONES = [
    "America/Sao_Paulo",
    "America/Fortaleza",
    "America/Manaus",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Madrid",
    "UTC",
]


def timezone_choices() -> list[tuple[str, str]]:
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIMEZONES) - {"localtime"})
    zones = [(tz, tz.replace("_", " ")) for tz in COMMON_TIMEZONES + rest]
    return [("", gettext_lazy("The country's main time zone")), *zones]


# Tenant.BusinessType's values, with labels a translator can reach from here.
BUSINESS_TYPE_LABELS = {
    Tenant.BusinessType.BARBER: gettext_lazy("Barbershop or salon"),
    Tenant.BusinessType.CLINIC: gettext_lazy("Clinic or therapist"),
    Tenant.BusinessType.TUTOR: gettext_lazy("Tutor or trainer"),
    Tenant.BusinessType.RENTAL: gettext_lazy("Equipment or room rental"),
    Tenant.BusinessType.OTHER: gettext_lazy("Other service business"),
}


def business_type_choices() -> list[tuple[str, str]]:
    return [
        (value, BUSINESS_TYPE_LABELS.get(value, label))
        for value, label in Tenant.BusinessType.choices
    ]


def language_choices() -> list[tuple[str, str]]:
    """Each language in its own name ("English", "Português (Brasil)"), as switches show them."""
    return list(settings.LANGUAGES)


# What each module adds, as the line under a plan at sign-up says it.
MODULE_WORDS = {
    "whatsapp": gettext_lazy("WhatsApp messages"),
    "reports": gettext_lazy("reports"),
    "api": gettext_lazy("JSON API"),
    "webhooks": gettext_lazy("webhooks"),
    "branding": gettext_lazy("your own colours and logo"),
}


def plan_line(plan: Plan, previous: Plan | None = None) -> str:
    """One line of what `plan` gives: staff, bookings a month, and the modules it adds to the
    cheaper `previous` one ("3 staff accounts · 500 bookings a month · adds WhatsApp messages")."""
    from billing.terms import plan_terms

    limits, modules = plan_terms(plan)
    staff, bookings = limits["staff"], limits["bookings"]
    parts = [
        ngettext("%(count)s staff account", "%(count)s staff accounts", staff) % {"count": staff}
        if staff is not None
        else _("unlimited staff accounts"),
        ngettext("%(count)s booking a month", "%(count)s bookings a month", bookings)
        % {"count": bookings}
        if bookings is not None
        else _("unlimited bookings"),
    ]
    added = modules - (plan_terms(previous)[1] if previous is not None else frozenset())
    if added:
        names = ", ".join(str(words) for key, words in MODULE_WORDS.items() if key in added)
        parts.append(_("adds %(modules)s") % {"modules": names})
    elif previous is None:
        parts.append(_("messages by e-mail"))
    return " · ".join(parts)


def plan_offers() -> list[dict]:
    """The public plans, cheapest first, each with its monthly price in the active language's
    money and its line."""
    from billing.selectors import plan_price

    offers, previous = [], None
    for plan in Plan.objects.filter(is_public=True).order_by("monthly_price", "name"):
        offers.append(
            {
                "plan": plan,
                "price": _("%(price)s a month") % {"price": plan_price(plan)},
                "line": plan_line(plan, previous),
            }
        )
        previous = plan
    return offers


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
    name = forms.CharField(label=gettext_lazy("Business name"), max_length=100)
    slug = forms.CharField(
        label=gettext_lazy("Your booking page address"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Made from the name; change it if you like. "
            "Lowercase letters, digits and hyphens; 3 to 40 characters."
        ),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    business_type = forms.ChoiceField(
        label=gettext_lazy("Type of business"), choices=business_type_choices
    )
    # Not required: a form posted without it (an old page) takes the time zone's country.
    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=country_choices,
        required=False,
        help_text=gettext_lazy("Sets your currency and how phone numbers are read."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=language_choices,
        required=False,
        help_text=gettext_lazy(
            "Of your booking page and your clients' messages; each team member can choose theirs."
        ),
    )
    timezone = forms.ChoiceField(
        label=gettext_lazy("Time zone"), choices=timezone_choices, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Business phone (WhatsApp)"),
        max_length=30,
        help_text=gettext_lazy(
            "Clients see it on your booking page. Numbers of another country start with +."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Street address"),
        max_length=255,
        required=False,
        help_text=gettext_lazy(
            "Where clients come to you; leave it empty if you go to them or work online."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    # Not required: a form posted without it (an old page) takes the default plan.
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Plan"),
        queryset=Plan.objects.filter(is_public=True).order_by("monthly_price", "name"),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    owner_name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    owner_email = forms.EmailField(label=gettext_lazy("Your e-mail"))
    owner_password = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters, not only digits, not a common password."),
    )
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    # A field people never see: bots fill it (as on the booking page).
    website = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, country: str = "", browser_language: str = "", **kwargs):
        """`country`: the one to preselect (from the browser's Accept-Language); its language is
        preselected, else `browser_language` (the language the page is shown in)."""
        super().__init__(*args, **kwargs)
        self.browser_language = browser_language or settings.LANGUAGE_CODE
        self.fields["shown_at"].initial = signup_stamp()
        self.plan_offers = plan_offers()
        default = next((o["plan"] for o in self.plan_offers if o["plan"].is_default), None)
        self.fields["plan"].initial = default.pk if default else None
        self.fields["plan"].error_messages["invalid_choice"] = _("Choose a plan from the list.")
        days = settings.BILLING_TRIAL_DAYS
        self.fields["plan"].help_text = ngettext(
            "Free for %(days)s day, no card needed. You can change plan at any time.",
            "Free for %(days)s days, no card needed. You can change plan at any time.",
            days,
        ) % {"days": days}
        if country in COUNTRIES:
            self.fields["country"].initial = country
            self.fields["language"].initial = self.language_of(country)
        self.fields["timezone"].error_messages["invalid_choice"] = _(
            "Choose a time zone from the list."
        )
        self.fields["country"].error_messages["invalid_choice"] = _(
            "Choose a country from the list."
        )
        # The page's script sets the language of each country when the country changes.
        languages = {code: self.language_of(code) for code in COUNTRIES}
        self.fields["country"].widget.attrs["data-languages"] = json.dumps(languages)

    def language_of(self, country: str) -> str:
        """The language a business of `country` gets unless it chooses: the country's, else the
        browser's."""
        offered = COUNTRIES.get(country)
        return (offered.language if offered else "") or self.browser_language

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if not slug:
            # Without JavaScript nothing filled it in: make one from the name.
            slug = services.slug_suggest(self.cleaned_data.get("name", ""))
            if not slug and self.cleaned_data.get("name"):
                raise forms.ValidationError(
                    _("Choose an address: the name has too few letters to make one."),
                    code="slug_required",
                )
            return slug
        try:
            services.slug_validate(slug)
        except SignupError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if services.slug_is_taken(slug):
            free = services.slug_suggest(slug)
            if free:
                text = _("“%(slug)s” is already taken. “%(free)s” is free.")
            else:
                text = _("“%(slug)s” is already taken.")
            raise forms.ValidationError(text % {"slug": slug, "free": free}, code="slug_taken")
        return slug

    def clean_owner_email(self) -> str:
        return self.cleaned_data["owner_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if "country" in cleaned and "timezone" in cleaned:
            # The country given, else the time zone's; its main time zone unless one is chosen.
            country = cleaned["country"] or country_for_timezone(cleaned["timezone"])
            cleaned["country"] = country
            cleaned["timezone"] = cleaned["timezone"] or COUNTRIES[country].timezone
            cleaned["language"] = cleaned.get("language") or self.language_of(country)
        if cleaned.get("phone") and cleaned.get("country"):
            try:
                cleaned["phone"] = phone_to_e164(cleaned["phone"], region=cleaned["country"])
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
        label=gettext_lazy("Your e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
