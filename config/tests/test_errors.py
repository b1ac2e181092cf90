"""One error base class: every app's refusal carries its code, message, field and HTTP status.

In config's tests because it imports every app (bookings' own tests never import notifications).
"""

import pytest

from accounts.errors import AccountError, AgendoError
from bookings.errors import BookingError, booking_error
from notifications.errors import NotificationError
from scheduling.errors import SchedulingError
from tenants.errors import SignupError


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("slot_taken", 409),
        ("no_resource_free", 409),
        ("invalid_transition", 409),
        ("window_closed", 409),
        ("too_soon", 422),
        ("past", 422),
        ("outside_hours", 422),
        ("invalid_phone", 422),
    ],
)
def test_booking_refusals_know_their_http_status(code, status):
    error = booking_error(code)
    assert isinstance(error, AgendoError)
    assert (error.code, error.status) == (code, status)
    assert error.message and str(error) == error.message


def test_every_app_error_is_one_kind_with_the_old_constructors():
    errors = [
        AccountError("last_owner", "Make someone else an owner first."),
        SchedulingError("overlap", "This overlaps 09:00–12:00.", "start"),
        SignupError("slug_taken", "“acme” is already taken.", field="slug"),
        NotificationError("not_failed", "Only failed messages can be retried."),
        BookingError("invalid_start", "Please choose a new time."),
    ]
    assert all(isinstance(error, AgendoError) for error in errors)
    assert [error.status for error in errors] == [409, 422, 422, 409, 422]
    assert [error.field for error in errors] == [None, "start", "slug", None, None]
    assert AccountError("forbidden", "Only an owner can do that.").status == 403
    assert BookingError("slot_taken", "Taken.", status=422).status == 422  # said explicitly
