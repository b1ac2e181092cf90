"""The one parser of dates and instants from requests: bounded, never raising (TRAPS #17)."""

import datetime as dt

import pytest
from django import forms

from scheduling import dates


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "2030-02-30",
        "2030-13-01",
        "9999-12-31",
        "0001-01-01",
        "1899-12-31",
        "2200-01-01",
        "99999-01-01",
        "yesterday",
        "2030-01-01" + " " * 50,
    ],
)
def test_a_date_that_cannot_be_is_none(raw):
    assert dates.date_parse(raw) is None


def test_dates_within_the_bounds_are_read():
    assert dates.date_parse("2030-02-28") == dt.date(2030, 2, 28)
    assert dates.date_parse(dates.LATEST.isoformat()) == dates.LATEST
    assert dates.date_parse(dates.EARLIEST.isoformat()) == dates.EARLIEST


@pytest.mark.parametrize(
    "raw",
    [
        "2030-02-30T10:00:00+00:00",
        "2030-03-01T10:00:00+99:00",
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00-03:00",
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-14:00",
        "2030-03-01T10:00:00",  # no offset: no instant
        "2199-12-31T23:00:00-03:00",  # 2200 in UTC
        "soon",
    ],
)
def test_an_instant_that_cannot_be_is_none(raw):
    assert dates.instant_parse(raw) is None


def test_an_instant_keeps_its_offset():
    value = dates.instant_parse("2030-03-01T10:00:00-03:00")
    assert value == dt.datetime(2030, 3, 1, 13, tzinfo=dt.UTC)


class _Form(forms.Form):
    day = dates.DateField()
    when = dates.DateTimeField()


@pytest.mark.parametrize(
    "day, when",
    [
        ("9999-12-31", "2030-03-01T10:00:00+00:00"),
        ("2030-03-01", "0001-01-01T00:00:00-03:00"),
        ("2030-03-01", "9999-12-31T23:59:59+00:00"),
        ("0001-01-01", "2030-03-01T10:00"),
    ],
)
def test_form_fields_answer_the_ends_of_the_calendar_with_a_sentence(day, when, settings):
    settings.TIME_ZONE = "America/Sao_Paulo"
    form = _Form({"day": day, "when": when})
    assert not form.is_valid()
    assert str(dates.OUT_OF_RANGE) in str(form.errors)


def test_form_fields_read_ordinary_values(settings):
    form = _Form({"day": "2030-03-01", "when": "2030-03-01T10:00:00-03:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == dt.datetime(2030, 3, 1, 13, tzinfo=dt.UTC)
