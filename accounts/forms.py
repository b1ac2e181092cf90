from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User


class InviteForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=User.Role.choices, initial=User.Role.STAFF
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Someone on the team already uses this e-mail."))
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=User.Role.choices)


ALERTS_HELP = gettext_lazy(
    "E-mails about new, moved and cancelled bookings: of your own calendar, and if you like of "
    "resources without login (equipment, rooms, professionals who do not log in)."
)


class AlertsForm(forms.Form):
    alerts = forms.ChoiceField(label=gettext_lazy("Staff alerts"), choices=User.Alerts.choices)


def language_choices(business_language: str) -> list[tuple[str, str]]:
    """ "Business default (Português)" first, then each language in its own name."""
    names = {code: name.split(" (")[0] for code, name in settings.LANGUAGES}
    default = names.get(business_language, names[settings.LANGUAGE_CODE])
    return [
        ("", _("Business default (%(language)s)") % {"language": default}),
        *settings.LANGUAGES,
    ]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        help_text=gettext_lazy("The language of your dashboard and of the e-mails you receive."),
    )
    alerts = forms.ChoiceField(
        label=gettext_lazy("Alerts by e-mail"),
        choices=User.Alerts.choices,
        widget=forms.RadioSelect,
        help_text=ALERTS_HELP,
    )

    def __init__(self, *args, business_language: str = settings.LANGUAGE_CODE, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(business_language)


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class AuditFilterForm(forms.Form):
    """The history page's one filter: the kind of change (settings, team, messages…)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of change"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        from accounts.models import AUDIT_KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            ("", _("All changes")),
            *((code, label) for code, (label, _prefixes) in AUDIT_KINDS.items()),
            ("other", _("Other")),
        ]
