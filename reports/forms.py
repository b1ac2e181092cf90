"""The reports' date range: a preset (this week, this month, …) or custom days, at most a year."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.forms import DateRangeFilterForm

# Open minutes are computed per day from the rules: a range is capped so a page stays fast.
MAX_DAYS = 366


class ReportRangeForm(DateRangeFilterForm):
    PRESETS = [
        ("this_week", _("This week")),
        ("this_month", _("This month")),
        ("last_month", _("Last month")),
        ("last_90", _("Last 90 days")),
        ("custom", _("Custom")),
    ]
    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("preset") or ""
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if preset == "custom" or (not preset and (start or end)):
            if not start:
                self.add_error("date_from", _("Choose the first day of the period."))
            if not end:
                self.add_error("date_to", _("Choose the last day of the period."))
            if start and end and (end - start).days + 1 > MAX_DAYS:
                self.add_error(
                    "date_to",
                    _("A report covers at most %(days)s days: choose a shorter period.")
                    % {"days": MAX_DAYS},
                )
            cleaned["preset"] = "custom"
        return cleaned

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last local day (inclusive) of the valid form's period."""
        preset = self.cleaned_data.get("preset") or "this_month"
        if preset == "custom":
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return preset_period(preset, today)


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "this_week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    if preset == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if preset == "last_90":
        return today - dt.timedelta(days=89), today
    start = today.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
