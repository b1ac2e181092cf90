"""The one way a date or an instant is read from a request: parsed once, within bounds.

Query strings and forms carry whatever a client types. `datetime` itself reaches year 1 and
9999, where one more day (`date.max + timedelta(days=1)`) or a time-zone shift overflows, and
PostgreSQL's `timestamptz` has its own limits; impossible dates (2030-02-30) and offsets
(+99:00) make the parsers raise instead of answering None (TRAPS #17). So every view and form
that reads one goes through here: a value outside `EARLIEST`..`LATEST`, or not a date at all,
is "no value" for a query parameter and a readable error for a form field.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy

# Far enough for birth dates and any booking anyone will make; far from every overflow.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
# Longest accepted text: an ISO instant with microseconds and offset is 32 characters.
_MAX_LENGTH = 40

# The years are written out so translators see the whole sentence (EARLIEST and LATEST above).
OUT_OF_RANGE = gettext_lazy("Choose a date between 1900 and 2199.")


def date_in_range(value: dt.date) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST <= day <= LATEST


def date_parse(raw: str | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) within bounds, else None (missing, malformed or impossible)."""
    if not raw or len(raw) > _MAX_LENGTH:
        return None
    try:
        value = parse_date(raw.strip())
    except ValueError:  # well formed but impossible, such as 2030-02-30
        return None
    return value if value is not None and date_in_range(value) else None


def instant_parse(raw: str | None) -> dt.datetime | None:
    """An ISO date and time WITH its offset, within bounds, else None.

    A time without an offset is refused: it names no instant until someone says where.
    """
    if not raw or len(raw) > _MAX_LENGTH:
        return None
    try:
        value = parse_datetime(raw.strip())
    except ValueError:  # 2030-02-30, 25:00, an offset of +99:00
        return None
    if value is None or not timezone.is_aware(value):
        return None
    try:
        in_utc = value.astimezone(dt.UTC)
    except OverflowError:
        return None
    return value if date_in_range(in_utc) and date_in_range(value) else None


class DateField(forms.DateField):
    """A form's date: Django's field, refusing days outside `EARLIEST`..`LATEST`."""

    def to_python(self, value):
        if isinstance(value, str) and len(value) > _MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        value = super().to_python(value)
        if value is not None and not date_in_range(value):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value


class DateTimeField(forms.DateTimeField):
    """A form's instant: Django's field (local time when no offset), within bounds."""

    def to_python(self, value):
        if isinstance(value, str) and len(value) > _MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            value = super().to_python(value)
        except OverflowError as exc:  # year 1 in a negative offset
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range") from exc
        if value is None:
            return value
        try:
            in_utc = value.astimezone(dt.UTC) if timezone.is_aware(value) else value
        except OverflowError as exc:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range") from exc
        if not (date_in_range(value) and date_in_range(in_utc)):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value


def model_form_field(db_field, **kwargs):
    """`formfield_callback` for ModelForms: their date and date-time fields get the bounds."""
    from django.db import models

    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", DateField)
    return db_field.formfield(**kwargs)
