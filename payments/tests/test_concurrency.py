"""Refunds racing for one payment: the refunded row's lock lets exactly one of them through.

Eight connections (one per thread) each try to refund 60 of a 100 payment at the same instant;
without the lock each would read "nothing refunded yet" and all would pass. The rows they
race for are committed by a connection of their own (the racers cannot see a test's
transaction), not by `transactional_db`, whose flush of every table costs seconds; the fixture
empties what it wrote in alpha (TRUNCATE for the ledger, whose rows cannot be deleted).
"""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import OwnerFactory
from bookings.tests.factories import BookingFactory
from conftest import empty_calendar
from payments import services
from payments.errors import PaymentError
from payments.models import Method, Payment
from tenants.models import Tenant

RACERS = 8
RACE_EMAIL = "refund-racer"


def _committed(work):
    """Run `work()` on a connection of its own (a thread's), in autocommit: its rows are
    committed for the racers to see, whatever the test's own transaction holds."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result[0] if result else None


def _empty_alpha():
    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE payments_payment")
    empty_calendar("alpha")
    with schema_context("alpha"):
        User.objects.filter(email__startswith=RACE_EMAIL).delete()


def _paid():
    with schema_context("alpha"):
        owner = OwnerFactory(email=f"{RACE_EMAIL}@example.com")
        booking = BookingFactory(price=Decimal("100.00"))
        payment = services.payment_record(
            booking=booking, amount="100", method=Method.CARD, actor=owner
        )
    return {"tenant": Tenant.objects.get(schema_name="alpha"), "owner": owner, "payment": payment}


@pytest.fixture
def paid(db):
    _committed(_empty_alpha)
    yield _committed(_paid)
    _committed(_empty_alpha)


def test_concurrent_refunds_never_give_back_more_than_was_paid(paid):
    barrier = threading.Barrier(RACERS, timeout=30)
    results: list[object] = [None] * RACERS

    def worker(i: int) -> None:
        try:
            connection.set_tenant(paid["tenant"])
            connection.ensure_connection()
            barrier.wait()
            services.payment_refund(
                payment=paid["payment"], amount="60", note=f"racer {i}", actor=paid["owner"]
            )
            results[i] = "refunded"
        except PaymentError as exc:
            results[i] = exc.code
        except Exception as exc:
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(results) == {"refunded": 1, "refund_exceeds": RACERS - 1}

    def refunds():
        with schema_context("alpha"):
            return list(Payment.objects.filter(refund_of=paid["payment"]).values_list("amount"))

    # Read on another connection too: the test's own would hold a lock the cleanup's TRUNCATE
    # waits for.
    assert _committed(refunds) == [(Decimal("-60.00"),)]
