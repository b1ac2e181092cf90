"""Forms of the public booking page."""

from babel import Locale, UnknownLocaleError
from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.errors import BookingError
from bookings.phones import phone_normalize
from scheduling import dates


def _country_name(region: str) -> str:
    """ "Brasil" for BR on a Portuguese page, "Brazil" on an English one; the code if unknown."""
    code = (region or "").upper()
    try:
        locale = Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        return code
    return locale.territories.get(code, code)


class BookingDetailsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    phone = forms.CharField(
        label=gettext_lazy("WhatsApp phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("Anything we should know? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("Send me the confirmation and reminders on WhatsApp"),
        required=False,
        initial=True,
    )
    start = dates.DateTimeField(widget=forms.HiddenInput)
    idem = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # A field people never see: bots fill it.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args, region: str, email_required: bool = False, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question_field_name(question)] = question_field(question)
        self.fields["phone"].help_text = _(
            "With area code (%(country)s); for another country, start with + and its code."
        ) % {"country": _country_name(region)}
        email = self.fields["email"]
        email.required = email_required
        if email_required:
            email.label = _("E-mail (required)")
            email.help_text = _("We send confirmations by e-mail, so we need your address.")
            email.error_messages["required"] = _(
                "Please enter your e-mail: we send confirmations by e-mail."
            )
        else:
            email.label = _("E-mail (optional)")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        email.widget.attrs["autocomplete"] = "email"

    @property
    def question_fields(self) -> list:
        """The business's questions as bound fields, in its order (the template draws them)."""
        return [self[question_field_name(question)] for question in self.questions]

    def booking_answers(self) -> list[dict]:
        """Answers to the booking's questions, as stored: [{"question", "label", "value"}]."""
        return [
            {"question": question.pk, "label": question.label, "value": value}
            for question, value in self._answered("booking")
        ]

    def client_fields(self) -> dict[str, str]:
        """Answers to the client's questions, as kept on the client: {"<question id>": value}."""
        return {str(question.pk): value for question, value in self._answered("client")}

    def _answered(self, target: str):
        for question in self.questions:
            name = question_field_name(question)
            value = self.cleaned_data.get(name) or ""
            if question.kind == "yes_no" and value:
                value = str(dict(self.fields[name].choices)[value])  # as the client read it
            if question.target == target and value:
                yield question, value

    def focus_first_error(self) -> None:
        """Put the cursor on the first field to fix (with or without JavaScript)."""
        for name in self.errors:
            field = self.fields.get(name)
            if field is not None and not field.widget.is_hidden and name != "website":
                field.widget.attrs["autofocus"] = True
                return

    def clean_phone(self) -> str:
        try:
            return phone_normalize(self.cleaned_data["phone"], region=self.region)
        except BookingError as exc:
            raise forms.ValidationError(exc.message) from exc


# A question's answer is a sentence, not a document.
ANSWER_MAX_LENGTH = 500


def question_field_name(question) -> str:
    return f"question_{question.pk}"


def question_field(question) -> forms.Field:
    """The form field asking `question` (scheduling.Question): text up to ANSWER_MAX_LENGTH
    characters (Django's CharField refuses NUL), one of its choices, or yes/no; required when
    the business says so. Yes/no answers are stored as the words "yes" and "no"."""
    common = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
    }
    if question.kind == "choice":
        choices = [("", "—"), *((choice, choice) for choice in question.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if question.kind == "yes_no":
        choices = [("yes", _("Yes")), ("no", _("No"))]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    return forms.CharField(max_length=ANSWER_MAX_LENGTH, **common)
