from django import forms
from django.contrib.auth import password_validation

from accounts.models import User


class InviteForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, initial=User.Role.STAFF)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone on the team already uses this e-mail.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=User.Role.choices)


ALERTS_HELP = (
    "E-mails about new, moved and cancelled bookings: of your own calendar, and if you like of "
    "resources without login (equipment, rooms, professionals who do not log in)."
)


class AlertsForm(forms.Form):
    alerts = forms.ChoiceField(label="Staff alerts", choices=User.Alerts.choices)


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    alerts = forms.ChoiceField(
        label="Alerts by e-mail",
        choices=User.Alerts.choices,
        widget=forms.RadioSelect,
        help_text=ALERTS_HELP,
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password (again)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
