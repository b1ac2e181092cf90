"""A small business whose every figure is known, for the reports' tests (enter alpha first).

Sao Paulo time (UTC−3, no DST); open Monday to Friday 09–17; chair A (Sam's) and chair B.
The week of Monday 2 March 2026:

    #  chair day time   status     services     price client         booked ahead
    1  A  Mon 10:00  completed  Cut            50   1 (new)        2 days
    2  A  Mon 23:30  confirmed  Cut + Beard    80   2 (new)        1 day (Tuesday in UTC)
    3  B  Tue 11:00  no-show    Cut            50   3 (new)        1 day
    4  B  Wed 14:00  cancelled  Cut            50   1              4 days, cancelled 2 h before
    5  B  Thu 15:00  cancelled  Cut            50   2              3 days, cancelled 3 days before
    6  A  Fri 09:00  completed  Cut            50   4 (returning)  1 day

Client 4 also had a visit on 10 February.
Time off: chair A, Wednesday 09–13. Payments: client 1 50 (Mon, booking 1), client 3 20 (Tue,
booking 3), client 4 50 (Fri 23:45 → Sat in UTC, booking 6) and a refund of 10 on Saturday.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

from psycopg.types.range import Range

from accounts.tests.factories import UserFactory
from bookings.models import Booking, BookingEvent, BookingItem, Client
from payments.models import Payment
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory, TimeOffFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
MONDAY = dt.date(2026, 3, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def book(*, resource, client, start, status, services, ahead_days, phone_n=0) -> Booking:
    minutes = sum(s.duration_minutes for s in services)
    end = start + dt.timedelta(minutes=minutes)
    booking = Booking.objects.create(
        service=services[0],
        resource=resource,
        client=client,
        start=start,
        end=end,
        occupied=Range(start, end, "[)"),
        status=status,
        price=sum(s.price for s in services),
    )
    BookingItem.objects.bulk_create(
        BookingItem(
            booking=booking,
            service=s,
            name=s.name,
            duration_minutes=s.duration_minutes,
            price=s.price,
            position=i,
        )
        for i, s in enumerate(services)
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=start - dt.timedelta(days=ahead_days))
    return booking


def cancelled_at(booking: Booking, when: dt.datetime) -> None:
    event = BookingEvent.objects.create(booking=booking, type=BookingEvent.Type.CANCELLED)
    BookingEvent.objects.filter(pk=event.pk).update(created_at=when)


def pay(client, booking, amount, when, refund_of=None) -> Payment:
    return Payment.objects.create(
        client=client,
        booking=booking,
        amount=Decimal(amount),
        currency="BRL",
        method="cash",
        paid_at=when,
        refund_of=refund_of,
    )


def build() -> dict:
    business = BusinessSettings.load()
    business.timezone = "America/Sao_Paulo"
    business.cancellation_window_hours = 24
    business.save()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(17)) for d in range(5)
    )
    sam = UserFactory(email="sam@example.com", full_name="Sam Staff")
    a = ResourceFactory(name="Chair A", user=sam, order=1)
    b = ResourceFactory(name="Chair B", order=2)
    cut = ServiceFactory(name="Cut", duration_minutes=30, price=Decimal("50"), performers=[a, b])
    beard = ServiceFactory(name="Beard", duration_minutes=20, price=Decimal("30"), performers=[a])
    TimeOffFactory(resource=a, start=at(day(2), 9), end=at(day(2), 13))
    c = [
        Client.objects.create(name=f"Client {n}", phone=f"+55119000000{n:02d}", email=f"c{n}@x.com")
        for n in range(1, 5)
    ]
    S = Booking.Status
    old = book(resource=a, client=c[3], start=at(dt.date(2026, 2, 10), 10), status=S.COMPLETED,
               services=[cut], ahead_days=1)  # fmt: skip
    b1 = book(resource=a, client=c[0], start=at(day(0), 10), status=S.COMPLETED,
              services=[cut], ahead_days=2)  # fmt: skip
    b2 = book(resource=a, client=c[1], start=at(day(0), 23, 30), status=S.CONFIRMED,
              services=[cut, beard], ahead_days=1)  # fmt: skip
    b3 = book(resource=b, client=c[2], start=at(day(1), 11), status=S.NO_SHOW,
              services=[cut], ahead_days=1)  # fmt: skip
    b4 = book(resource=b, client=c[0], start=at(day(2), 14), status=S.CANCELLED,
              services=[cut], ahead_days=4)  # fmt: skip
    b5 = book(resource=b, client=c[1], start=at(day(3), 15), status=S.CANCELLED,
              services=[cut], ahead_days=3)  # fmt: skip
    b6 = book(resource=a, client=c[3], start=at(day(4), 9), status=S.COMPLETED,
              services=[cut], ahead_days=1)  # fmt: skip
    cancelled_at(b4, b4.start - dt.timedelta(hours=2))
    cancelled_at(b5, b5.start - dt.timedelta(days=3))
    pay(c[0], b1, "50", at(day(0), 10, 30))
    pay(c[2], b3, "20", at(day(1), 11, 30))
    paid = pay(c[3], b6, "50", at(day(4), 23, 45))
    pay(c[3], b6, "-10", at(day(5), 12), refund_of=paid)
    return {
        "business": business, "sam": sam, "a": a, "b": b, "cut": cut, "beard": beard,
        "clients": c, "bookings": [b1, b2, b3, b4, b5, b6], "old": old,
    }  # fmt: skip
