"""The payments pages and panels as full and htmx requests: the cash summary and its CSV, the
forms on a booking, the day calendar and a client, refunds, staff scope, pt-BR, query counts,
and the ledger in the owner's data export."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import exports
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, ClientFactory
from conftest import assert_no_english, host_client, login_as
from payments import services
from payments.models import Method, Payment
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.currency = "America/Sao_Paulo", "BRL"
    business.save()
    staff = UserFactory(full_name="Sam Staff")
    own = ResourceFactory(name="Sam's chair", user=staff)
    other = ResourceFactory(name="Other chair")
    cut = ServiceFactory(name="Cut", price="80.00", performers=[own, other])
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    owner = OwnerFactory(full_name="Olivia Owner")
    return {
        "business": business,
        "owner": owner,
        "staff": staff,
        "own": BookingFactory(service=cut, resource=own, start=start, price="80.00"),
        "other": BookingFactory(
            service=cut, resource=other, start=start + dt.timedelta(minutes=5), price="80.00"
        ),
    }


def _client(user):
    return login_as(host_client("alpha.localhost"), user, "alpha")


def _pay(booking, actor, amount="50", method=Method.CASH, **kwargs) -> Payment:
    return services.payment_record(
        booking=booking, amount=amount, method=method, actor=actor, **kwargs
    )


def test_recording_a_payment_on_a_booking_with_htmx_swaps_its_panel(shop):
    booking = shop["own"]
    owner = _client(shop["owner"])
    detail = owner.get(f"/app/bookings/{booking.reference}/").content.decode()
    assert f'id="pay-{booking.reference}"' in detail
    assert "Record payment" in detail
    url = f"/app/payments/bookings/{booking.reference}/"

    response = owner.post(url, {"amount": "30.50", "method": "pix", "note": "half"}, **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith("\n<section") or "<html" not in page
    assert "R$30.50" in page and "R$49.50" in page  # paid, balance
    assert page.count("Payment recorded.") == 1
    # An htmx action on the booking re-renders the detail, its panel inside: one message only.
    action = owner.post(f"/app/bookings/{booking.reference}/complete/", **HTMX).content.decode()
    assert action.count('class="message message-success"') == 1
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.booking, payment.recorded_by) == (
        Decimal("30.50"),
        Method.PIX,
        booking,
        shop["owner"],
    )


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "0", "method": "cash"},
        {"amount": "1e309", "method": "cash"},
        {"amount": "12.345", "method": "cash"},
        {"amount": "10", "method": "gold"},
        {"amount": "10", "method": "cash", "paid_at": "2030-02-30T10:00"},
        {"amount": "10", "method": "cash", "paid_at": "1999-01-01T10:00"},
        {"amount": "10", "method": "cash", "paid_at": "2199-01-01T10:00"},
    ],
)
def test_a_refused_payment_is_a_form_error_never_a_500(shop, data):
    url = f"/app/payments/bookings/{shop['own'].reference}/"
    client = _client(shop["owner"])
    response = client.post(url, data, **HTMX)
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    # Without JavaScript: the form again, on a page of its own.
    page = client.post(url, data)
    assert page.status_code == 422
    assert "<html" in page.content.decode()
    assert not Payment.objects.exists()


def test_a_nul_byte_is_refused_before_the_form(shop):
    url = f"/app/payments/bookings/{shop['own'].reference}/"
    response = _client(shop["owner"]).post(url, {"amount": "10\x00", "method": "cash"}, **HTMX)
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_without_javascript_a_payment_goes_back_to_the_booking(shop):
    booking = shop["own"]
    response = _client(shop["owner"]).post(
        f"/app/payments/bookings/{booking.reference}/", {"amount": "80", "method": "card"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/app/bookings/{booking.reference}/"
    assert Payment.objects.get().amount == Decimal("80.00")


def test_staff_record_and_see_payments_only_of_their_own_bookings(shop):
    staff = _client(shop["staff"])
    assert (
        staff.post(
            f"/app/payments/bookings/{shop['other'].reference}/",
            {"amount": "10", "method": "cash"},
        ).status_code
        == 404
    )
    assert staff.post(
        f"/app/payments/bookings/{shop['own'].reference}/", {"amount": "11", "method": "cash"}
    ).status_code in (200, 302)
    _pay(shop["other"], shop["owner"], amount="22")
    services.payment_record(
        client=shop["other"].client, amount="33", method="cash", actor=shop["owner"]
    )
    page = staff.get("/app/payments/").content.decode()
    assert "R$11.00" in page
    assert "R$22.00" not in page and "R$33.00" not in page
    # A payment without a booking is the managers' to record.
    assert (
        staff.post(
            f"/app/payments/clients/{shop['own'].client_id}/", {"amount": "5", "method": "cash"}
        ).status_code
        == 403
    )
    # Nor can staff refund what is not theirs.
    other = Payment.objects.get(amount=Decimal("22.00"))
    assert (
        staff.post(f"/app/payments/{other.pk}/refund/", {"amount": "1", "note": "x"}).status_code
        == 404
    )
    owner_page = _client(shop["owner"]).get("/app/payments/").content.decode()
    assert all(f"R${n}.00" in owner_page for n in (11, 22, 33))


def test_the_payments_page_sums_by_day_and_method_and_offers_refunds(
    shop, django_assert_max_num_queries
):
    owner = shop["owner"]
    today = timezone.localtime(timezone=dt.timezone(dt.timedelta(hours=-3)))
    cash = _pay(shop["own"], owner, amount="50", paid_at=today - dt.timedelta(minutes=1))
    _pay(shop["other"], owner, amount="20", method=Method.CARD)
    services.payment_refund(payment=cash, amount="15", note="too much", actor=owner)
    client = _client(owner)
    client.get("/app/payments/")  # the business's first page caches the plan's terms
    for _ in range(20):
        _pay(shop["own"], owner, amount="1", method=Method.TRANSFER)
    with django_assert_max_num_queries(14):
        response = client.get("/app/payments/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "By day and method" in page
    assert "Bank transfer" in page and "Cash" in page and "Card" in page
    assert "R$75.00" in page  # 50 − 15 + 20 + 20 × 1
    assert "R$15.00 refunded" in page
    assert f'action="/app/payments/{cash.pk}/refund/"' in page
    partial = client.get("/app/payments/?date_from=2000-01-01", **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="payments-page"')
    assert client.get("/app/payments/?date_from=2030-02-30").status_code == 422
    bad = client.get("/app/payments/?date_from=2027-03-10&date_to=2027-03-01", **HTMX)
    assert bad.status_code == 422
    assert "The end date is before the start date." in bad.content.decode()


def test_a_refund_from_the_list_and_one_too_many(shop):
    payment = _pay(shop["own"], shop["owner"], amount="50")
    client = _client(shop["owner"])
    url = f"/app/payments/{payment.pk}/refund/"
    back = f"/app/bookings/{shop['own'].reference}/"
    response = client.post(url, {"amount": "50", "note": "returned", "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    refund = Payment.objects.get(refund_of=payment)
    assert (refund.amount, refund.note, refund.recorded_by_label) == (
        Decimal("-50.00"),
        "returned",
        "Olivia Owner",
    )
    # Refused: the form again, with why (409: against what was refunded already).
    response = client.post(url, {"amount": "1", "note": "again", "next": "https://evil.example/"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "A refund cannot be more than what is left of the payment (R$0.00)." in page
    assert 'name="next" value="/app/payments/"' in page  # never another site
    for data in ({"amount": "1e309", "note": "x"}, {"amount": "1", "note": ""}):
        assert client.post(url, data).status_code == 422
    refund_url = f"/app/payments/{refund.pk}/refund/"
    refund_of_refund = client.post(refund_url, {"amount": "1", "note": "x"})
    assert refund_of_refund.status_code == 422
    assert "A refund cannot be refunded" in refund_of_refund.content.decode()
    assert Payment.objects.count() == 2
    assert client.get(url).status_code == 405
    # After a refused refund the next one goes through and back where it was asked from.
    second = _pay(shop["own"], shop["owner"], amount="20")
    ok = client.post(f"/app/payments/{second.pk}/refund/", {"amount": "20", "note": "all"})
    assert (ok.status_code, ok["Location"]) == (302, "/app/payments/")


def test_the_day_calendar_shows_each_bookings_account_and_a_form(
    shop, django_assert_max_num_queries
):
    _pay(shop["own"], shop["owner"], amount="30")
    client = _client(shop["owner"])
    day = timezone.localtime(shop["own"].start).date().isoformat()
    client.get(f"/app/calendar/?date={day}")

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/app/calendar/?date={day}").content.decode()
        return len(captured), page

    few, page = count()
    assert "Payments of the day" in page
    assert f'id="pay-{shop["own"].reference}"' in page
    assert f'id="pay-{shop["other"].reference}"' in page
    assert "R$50.00" in page  # the own booking's balance
    for minutes in (30, 60, 90):
        BookingFactory(
            service=shop["own"].service,
            resource=shop["own"].resource,
            start=shop["own"].start + dt.timedelta(minutes=minutes + 60),
        )
    more, _page = count()
    assert more == few  # one query for every booking's account
    # The compact form answers with the compact panel.
    response = client.post(
        f"/app/payments/bookings/{shop['other'].reference}/",
        {"amount": "80", "method": "cash", "compact": "1"},
        **HTMX,
    )
    assert "booking-payments-compact" in response.content.decode()
    assert 'id="id_pay-' in response.content.decode()


def test_the_client_page_shows_balance_and_history_and_takes_a_payment(
    shop, django_assert_max_num_queries
):
    client_row = shop["own"].client
    BookingFactory(client=client_row, service=shop["own"].service, status=Booking.Status.CANCELLED)
    _pay(shop["own"], shop["owner"], amount="30")
    client = _client(shop["owner"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/app/clients/{client_row.pk}/").content.decode()
    queries = len(captured)  # pinned below: the same with ten more entries
    assert 'id="client-payments"' in page
    assert "R$80.00" in page and "R$50.00" in page  # charged, balance
    for _ in range(10):
        _pay(shop["own"], shop["owner"], amount="1")
    with django_assert_max_num_queries(queries):
        assert client.get(f"/app/clients/{client_row.pk}/").status_code == 200
    response = client.post(
        f"/app/payments/clients/{client_row.pk}/", {"amount": "40", "method": "pix"}, **HTMX
    )
    assert response.status_code == 200
    assert "R$0.00" in response.content.decode()
    payment = Payment.objects.get(booking=None)
    assert payment.client == client_row


def test_csv_exports_of_the_table_and_the_entries_are_formula_safe(shop):
    evil = ClientFactory(name='=HYPERLINK("http://x")')
    own = shop["own"]
    later = own.start + dt.timedelta(hours=3)
    booking = BookingFactory(service=own.service, resource=own.resource, client=evil, start=later)
    _pay(booking, shop["owner"], amount="12.5", note="+cmd|' /C calc'!A0")
    _pay(shop["own"], shop["owner"], amount="7", method=Method.PIX)
    client = _client(shop["owner"])
    table = list(csv.reader(io.StringIO(client.get("/app/payments/by-day.csv").content.decode())))
    assert table[0] == ["day", "Cash", "Pix", "Total"]
    assert table[-1] == ["Total", "12.50", "7.00", "19.50"]
    response = client.get("/app/payments/entries.csv")
    assert 'attachment; filename="payments-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    evil_row = next(row for row in rows if row["amount"] == "12.50")
    assert evil_row["client"] == '\'=HYPERLINK("http://x")'
    assert evil_row["note"].startswith("'+cmd")
    assert evil_row["booking"] == booking.reference


def test_the_payments_page_speaks_portuguese(shop):
    shop["business"].language = "pt-br"
    shop["business"].save()
    payment = _pay(shop["own"], shop["owner"], amount="50")
    services.payment_refund(payment=payment, amount="5", note="troco", actor=shop["owner"])
    client = _client(shop["owner"])
    for url in (
        "/app/payments/",
        f"/app/bookings/{shop['own'].reference}/",
        f"/app/clients/{shop['own'].client_id}/",
    ):
        page = client.get(url).content.decode()
        assert "Pagamentos" in page, url
        assert_no_english(page)


def test_the_owners_data_export_carries_the_ledger(shop):
    payment = _pay(shop["own"], shop["owner"], amount="50")
    services.payment_refund(payment=payment, amount="5", note="change", actor=shop["owner"])
    archive_file = io.BytesIO()
    counts = exports.business_export_write(fileobj=archive_file, business=shop["business"])
    assert counts["payments.csv"] == 2
    rows = list(
        csv.DictReader(io.StringIO(zipfile.ZipFile(archive_file).read("payments.csv").decode()))
    )
    assert [(r["amount"], r["refund_of_id"], r["recorded_by_email"]) for r in rows] == [
        ("50.00", "", shop["owner"].email),
        ("-5.00", str(payment.pk), shop["owner"].email),
    ]
