"""The shapes of payment input: a payment, a refund, a date range. Rules live in services."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.forms import DateRangeFilterForm
from payments.models import Method
from payments.services import MAX_AMOUNT
from scheduling import dates


class _AmountField(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(
            max_digits=9,
            decimal_places=2,
            min_value=Decimal("0.01"),
            max_value=MAX_AMOUNT,
            widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
            **kwargs,
        )


class PaymentForm(forms.Form):
    amount = _AmountField(label=_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, initial=Method.CASH)
    paid_at = dates.DateTimeField(
        label=_("Paid at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        # Several forms on one page (the calendar's day): ids must stay unique.
        super().__init__(*args, auto_id=f"id_{prefix_id}%s" if prefix_id else "id_%s", **kwargs)


class RefundForm(forms.Form):
    amount = _AmountField(label=_("Amount to refund"))
    method = forms.ChoiceField(
        label=_("Refunded by"),
        choices=[("", _("Same method")), *Method.choices],
        required=False,
    )
    note = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, auto_id=f"id_{prefix_id}%s" if prefix_id else "id_%s", **kwargs)


class PaymentRangeForm(DateRangeFilterForm):
    """The cash summary's days: this month unless asked otherwise."""

    def range(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        start, end = today.replace(day=1), today
        if self.is_bound and self.is_valid():
            start = self.cleaned_data["date_from"] or start
            end = self.cleaned_data["date_to"] or max(start, end)
        return start, max(start, end)
