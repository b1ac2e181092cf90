"""Online booking paused by the plan, seen by the client: the period's bookings used up, or the
subscription suspended or cancelled. The public page says "contact the business" (with its
contact) instead of the services, the deeper steps answer 403 with the same notice, and
bookings.services refuses a client's booking; staff booking by hand is never paused. The
manage link still cancels; it moves a booking unless the subscription is suspended/cancelled.
"""

import pytest

from accounts.tests.factories import OwnerFactory
from billing import services as billing
from billing.models import PlanOverride
from bookings import services
from bookings.errors import BookingError
from bookings.models import Booking, Client, Source
from bookings.tests import test_public
from bookings.tests.test_public import HTMX, _day, _details, _start
from conftest import assert_no_english, login_as
from tenants.models import Plan

shop = test_public.shop  # the fixture: a shop open 9-18 daily, Rafa and Bia doing a 30-min Cut

PAUSED = "Online booking is paused"


@pytest.fixture
def contact_shop(shop):
    business = shop["business"]
    business.contact_phone = "+551133334444"
    business.contact_email = "ola@alpha.example"
    business.save()
    return shop


@pytest.fixture
def subscription(contact_shop, tenant_alpha):
    return billing.subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="free"))


def _book(shop, start, *, source=Source.STAFF, phone="+5511987654321"):
    client, _ = services.client_get_or_create(name="Paula", phone=phone, region="BR")
    return services.booking_create(
        service=shop["cut"], start=start, client=client, resource=shop["rafa"], source=source
    )


@pytest.fixture
def used_up(subscription, contact_shop, tenant_alpha):
    """The free plan held to one booking per period, and that booking made (this period)."""
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_bookings", limit=1)
    return _book(contact_shop, _start(_day(3), 10))


@pytest.fixture
def suspended(subscription, contact_shop):
    booking = _book(contact_shop, _start(_day(3), 10))
    billing.subscription_suspend(subscription=subscription, reason="unpaid")
    return booking


def _steps(shop):
    cut = shop["cut"].pk
    start = _start(_day(), 10).isoformat().replace("+", "%2B")
    return [f"/book/{cut}/", f"/book/{cut}/any/", f"/book/{cut}/any/details/?start={start}"]


def _assert_paused_everywhere(shop, client):
    page = client.get("/")
    body = page.content.decode()
    assert page.status_code == 200
    assert PAUSED in body and "Please contact" in body
    assert "tel:+551133334444" in body and "ola@alpha.example" in body  # the contact block
    assert "Choose a" not in body and f"/book/{shop['cut'].pk}/" not in body
    # The client is not told why.
    assert "used up" not in body and "suspended" not in body and "Billing" not in body
    for url in _steps(shop):
        step = client.get(url)
        assert step.status_code == 403, url
        body = step.content.decode()
        assert PAUSED in body and "tel:+551133334444" in body, url
        assert "Confirm booking" not in body and '<form method="post"' not in body, url
        # htmx swaps no 403: it loads the whole page, which says so.
        assert client.get(url, **HTMX)["HX-Redirect"] == url.split("?")[0], url

    bookings, clients = Booking.objects.count(), Client.objects.count()
    details = f"/book/{shop['cut'].pk}/any/details/"
    start = _start(_day(4), 11)
    refused = client.post(details, _details(shop, "any", start, phone="(11) 91234-5678"))
    assert refused.status_code == 403 and PAUSED in refused.content.decode()
    htmx = client.post(details, _details(shop, "any", start, phone="(11) 91234-5678"), **HTMX)
    assert htmx["HX-Redirect"] == details
    assert (Booking.objects.count(), Client.objects.count()) == (bookings, clients)


def _assert_client_refused_in_the_service(shop):
    """The rule is the service's: a client's booking is refused whatever path it comes by."""
    with pytest.raises(BookingError) as refused:
        _book(shop, _start(_day(5), 15), source=Source.PUBLIC, phone="+5511955554444")
    assert refused.value.code == "booking_paused" and refused.value.status == 403
    assert refused.value.message == "Online booking is paused. Please contact the business."


def test_bookings_used_up_pause_online_booking(used_up, contact_shop, alpha_client):
    _assert_paused_everywhere(contact_shop, alpha_client)
    _assert_client_refused_in_the_service(contact_shop)


def test_a_refused_client_booking_leaves_no_client_behind(used_up, contact_shop):
    with pytest.raises(BookingError):
        services.booking_create_with_client(
            client_name="Nova",
            client_phone="(11) 95555-4444",
            region="BR",
            service=contact_shop["cut"],
            start=_start(_day(5), 15),
            source=Source.PUBLIC,
        )
    assert not Client.objects.filter(name="Nova").exists()


def test_used_up_between_the_form_and_its_submit(used_up, contact_shop, alpha_client, monkeypatch):
    """The page showed the form (open then); the service refuses at submit: the notice, which
    htmx loads as a whole page (it swaps no 403), and nothing created."""
    from bookings.views import public

    monkeypatch.setattr(public, "online_booking_state", lambda: "open")
    details = f"/book/{contact_shop['cut'].pk}/any/details/"
    data = _details(contact_shop, "any", _start(_day(4), 11), phone="(11) 91234-5678")
    refused = alpha_client.post(details, data)
    assert refused.status_code == 403 and PAUSED in refused.content.decode()
    assert alpha_client.post(details, data, **HTMX)["HX-Redirect"] == details
    assert Booking.objects.count() == 1
    assert not Client.objects.filter(phone="+5511912345678").exists()


def test_staff_still_book_by_hand_when_the_bookings_are_used_up(
    used_up, contact_shop, alpha_client
):
    owner_client = login_as(alpha_client, OwnerFactory(email="o@alpha.test"), "alpha")
    start = _start(_day(4), 11)
    response = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "Nina",
            "client_phone": "(11) 97777-1234",
            "service": contact_shop["cut"].pk,
            "resource": contact_shop["rafa"].pk,
            "date": _day(4).isoformat(),
            "start": start.isoformat(),
        },
    )
    assert response.status_code == 302
    assert Booking.objects.filter(client__name="Nina", source=Source.STAFF).exists()
    # And through the service, past the limit again.
    assert _book(contact_shop, _start(_day(4), 14), phone="+5511966665555").pk


def test_the_owner_sees_why_and_the_way_to_billing(used_up, contact_shop, alpha_client):
    owner_client = login_as(alpha_client, OwnerFactory(email="o@alpha.test"), "alpha")
    body = owner_client.get("/").content.decode()
    assert PAUSED in body and "used up" in body and "/app/billing/" in body


def test_a_move_is_allowed_when_the_bookings_are_used_up(used_up, contact_shop, alpha_client):
    url = f"/manage/{used_up.manage_token}/"
    page = alpha_client.get(url).content.decode()
    assert "Move my booking" in page and "Cancel my booking" in page and PAUSED not in page
    new_start = _start(_day(3), 14)
    response = alpha_client.post(url, {"action": "reschedule", "start": new_start.isoformat()})
    assert response.status_code == 200
    used_up.refresh_from_db()
    assert used_up.start == new_start


def test_suspended_pauses_online_booking_but_not_staff(suspended, contact_shop, alpha_client):
    _assert_paused_everywhere(contact_shop, alpha_client)
    _assert_client_refused_in_the_service(contact_shop)
    # Staff booking by hand, through the service (the dashboard itself is read-only).
    assert _book(contact_shop, _start(_day(4), 14), phone="+5511966665555").pk


def test_suspended_manage_page_cancels_but_does_not_move(suspended, contact_shop, alpha_client):
    url = f"/manage/{suspended.manage_token}/"
    page = alpha_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert suspended.reference in body and "Add to calendar" in body
    assert "Cancel my booking" in body
    assert "Move my booking" not in body and "Move to another time" not in body
    assert PAUSED in body and "tel:+551133334444" in body
    assert alpha_client.get(f"{url}calendar.ics").status_code == 200
    # The strip's pages (htmx) load the whole page instead.
    assert alpha_client.get(f"{url}?date={_day(4).isoformat()}", **HTMX)["HX-Redirect"] == url

    original = suspended.start
    refused = alpha_client.post(
        url, {"action": "reschedule", "start": _start(_day(3), 14).isoformat()}
    )
    assert refused.status_code == 403
    assert "Online booking is paused. Please contact the business." in refused.content.decode()
    suspended.refresh_from_db()
    assert suspended.start == original and suspended.is_active

    cancelled = alpha_client.post(url, {"action": "cancel", "reason": "Travelling"})
    assert (
        cancelled.status_code == 200 and "Your booking is cancelled." in cancelled.content.decode()
    )
    suspended.refresh_from_db()
    assert suspended.status == "cancelled"


def test_cancelled_subscription_pauses_too(subscription, contact_shop, alpha_client):
    billing.subscription_change(
        subscription=subscription, status="cancelled", reason="owner", actor="owner"
    )
    assert PAUSED in alpha_client.get("/").content.decode()
    assert alpha_client.get(f"/book/{contact_shop['cut'].pk}/").status_code == 403


def test_reactivation_opens_online_booking_again(
    suspended, subscription, contact_shop, alpha_client
):
    billing.subscription_reactivate(subscription=subscription)
    body = alpha_client.get("/").content.decode()
    assert PAUSED not in body and "Cut" in body
    assert alpha_client.get(f"/book/{contact_shop['cut'].pk}/").status_code == 200
    start = _start(_day(4), 11)
    response = alpha_client.post(
        f"/book/{contact_shop['cut'].pk}/any/details/",
        _details(contact_shop, "any", start, phone="(11) 91234-5678"),
    )
    assert response.status_code == 302
    assert Booking.objects.filter(start=start, source=Source.PUBLIC).exists()
    page = alpha_client.get(f"/manage/{suspended.manage_token}/").content.decode()
    assert "Move my booking" in page


def test_a_business_without_a_subscription_books_as_before(contact_shop, alpha_client):
    body = alpha_client.get("/").content.decode()
    assert PAUSED not in body and "Cut" in body


def test_a_pt_br_business_shows_the_pause_in_portuguese(suspended, contact_shop, alpha_client):
    business = contact_shop["business"]
    business.language = "pt-br"
    business.save()
    page = alpha_client.get("/").content.decode()
    assert "Agendamento on-line pausado" in page
    assert_no_english(page)
    step = alpha_client.get(f"/book/{contact_shop['cut'].pk}/")
    assert step.status_code == 403
    assert_no_english(step.content.decode())
    url = f"/manage/{suspended.manage_token}/"
    manage = alpha_client.get(url).content.decode()
    assert "Agendamento on-line pausado" in manage
    assert_no_english(manage)
    refused = alpha_client.post(
        url, {"action": "reschedule", "start": _start(_day(3), 14).isoformat()}
    )
    assert refused.status_code == 403
    assert_no_english(refused.content.decode())


def test_a_client_cannot_move_a_booking_of_a_suspended_business_through_the_service(
    suspended, contact_shop
):
    booking = suspended  # made before the suspension
    with pytest.raises(BookingError) as refused:
        services.booking_reschedule(booking=booking, start=_start(_day(3), 14), by_client=True)
    assert refused.value.code == "booking_paused"
    # Staff still can: their own work is never paused.
    services.booking_reschedule(booking=booking, start=_start(_day(3), 14))
