"""The dashboard's start page for a new business: the setup checklist, sharing the booking page,
and the services nobody performs (hidden online)."""

import datetime as dt
from urllib.parse import unquote

import pytest
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import host_client, login_as
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fresh(alpha):
    """A business just signed up: nothing set up, presets not decided, link not shared."""
    business = BusinessSettings.load()
    business.contact_phone = business.address = ""
    business.presets_decided_at = business.booking_page_shared_at = None
    business.save()
    return business


@pytest.fixture
def owner_client(fresh):
    return login_as(host_client("alpha.localhost"), OwnerFactory(), "alpha")


def _set_up_everything(business):
    business.contact_phone, business.address = "+5511912345678", "Rua Augusta, 1500"
    business.booking_page_shared_at = timezone.now()
    business.save()
    WeeklyHours.objects.create(weekday=0, start=dt.time(9), end=dt.time(18))
    ServiceFactory(name="Corte", performers=[ResourceFactory(name="Rafa")])


def test_a_new_business_sees_every_step_one_click_away(owner_client):
    page = owner_client.get("/app/").content.decode()
    assert "Get ready for your first booking" in page
    assert "0 of 5 done" in page
    assert '<progress value="0" max="5"' in page
    for label, url in [
        ("Add your business&#x27;s phone and address", "/app/settings/"),
        ("Set your opening hours", "/app/hours/"),
        ("Add a service clients can book", "/app/services/"),
        ("Add a professional who performs it", "/app/resources/"),
    ]:
        assert f'<a href="{url}">{label}</a>' in page
    assert "Share your booking page" in page
    assert 'value="http://alpha.localhost/"' in page  # the address, selectable without JS


def test_a_business_that_has_not_started_is_offered_a_template(owner_client, fresh):
    page = owner_client.get("/app/").content.decode()
    assert '<a href="/app/setup/presets/" role="button">Start from a template</a>' in page

    fresh.presets_decided_at = timezone.now()  # skipped them
    fresh.save()
    assert "Start from a template" not in owner_client.get("/app/").content.decode()


def test_no_template_is_offered_once_the_owner_started_alone(owner_client):
    WeeklyHours.objects.create(weekday=0, start=dt.time(9), end=dt.time(18))
    page = owner_client.get("/app/").content.decode()
    assert "1 of 5 done" in page
    assert "Start from a template" not in page


def test_progress_counts_what_is_done(owner_client, fresh):
    fresh.contact_phone, fresh.address = "+5511912345678", "Rua Augusta, 1500"
    fresh.save()
    WeeklyHours.objects.create(weekday=0, start=dt.time(9), end=dt.time(18))
    ServiceFactory(name="Corte", performers=[ResourceFactory(name="Rafa")])
    page = owner_client.get("/app/").content.decode()
    assert "4 of 5 done" in page
    assert '<progress value="4" max="5"' in page
    assert page.count("checklist-step is-done") == 4


def test_marking_the_page_shared_completes_the_step(owner_client, fresh):
    response = owner_client.post("/app/setup/shared/", {"via": "mark"})
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert BusinessSettings.load().booking_page_shared_at is not None
    page = owner_client.get("/app/").content.decode()
    assert "1 of 5 done" in page
    assert "Marked as shared" in page
    assert "Mark as shared</button>" not in page  # done; copying or WhatsApp still offered
    assert "Share on WhatsApp" in page


def test_sharing_on_whatsapp_marks_the_step_and_opens_whatsapp_with_the_link(owner_client):
    response = owner_client.post("/app/setup/shared/", {"via": "whatsapp"})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://wa.me/?text=")
    assert unquote(location.partition("text=")[2]) == (
        "Book with Alpha Barbers online: http://alpha.localhost/"
    )
    assert BusinessSettings.load().booking_page_shared_at is not None


def test_copying_the_link_marks_the_step_and_swaps_the_checklist(owner_client):
    response = owner_client.post("/app/setup/shared/", {"via": "copy"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="setup-checklist">')
    assert "<html" not in html
    assert "1 of 5 done" in html
    assert "Link copied" in html


def test_the_first_share_is_the_one_kept(owner_client):
    owner_client.post("/app/setup/shared/", {"via": "mark"})
    first = BusinessSettings.load().booking_page_shared_at
    owner_client.post("/app/setup/shared/", {"via": "whatsapp"})
    assert BusinessSettings.load().booking_page_shared_at == first


def test_a_business_set_up_sees_no_checklist(owner_client, fresh):
    _set_up_everything(fresh)
    page = owner_client.get("/app/").content.decode()
    assert "Get ready for your first booking" not in page
    assert "Today" in page


def test_staff_see_no_checklist_and_cannot_mark_it(fresh):
    staff = login_as(host_client("alpha.localhost"), UserFactory(), "alpha")
    ServiceFactory(name="Orphan cut")
    page = staff.get("/app/")
    assert page.status_code == 200
    assert "Get ready for your first booking" not in page.content.decode()
    assert "Hidden from your booking page" not in page.content.decode()
    assert staff.post("/app/setup/shared/", {"via": "mark"}).status_code == 403
    assert BusinessSettings.load().booking_page_shared_at is None


def test_sharing_needs_a_post(owner_client):
    assert owner_client.get("/app/setup/shared/").status_code == 405


def test_services_nobody_performs_are_named_with_a_link_to_fix_them(owner_client, fresh):
    _set_up_everything(fresh)
    lonely = ServiceFactory(name="Barba")
    ServiceFactory(name="Retired", performers=[ResourceFactory(name="Gone", is_active=False)])
    ServiceFactory(name="Private", is_public=False)
    page = owner_client.get("/app/").content.decode()
    assert "Hidden from your booking page" in page
    assert f'<a href="/app/services/{lonely.pk}/">Barba</a>' in page
    assert ">Retired</a>" in page
    assert ">Private</a>" not in page
    assert ">Corte</a>" not in page


@pytest.mark.parametrize("services", [1, 12])
def test_dashboard_queries_do_not_grow_with_the_services(
    owner_client, django_assert_max_num_queries, services
):
    for n in range(services):
        ServiceFactory(name=f"Service {n}", performers=[ResourceFactory(name=f"R{n}")])
        ServiceFactory(name=f"Orphan {n}")
    owner_client.get("/app/")  # the plan's terms are cached after a business's first page
    # 12, and one count of the period's bookings for the owner's plan-limit warning.
    with django_assert_max_num_queries(13):
        response = owner_client.get("/app/")
    assert response.status_code == 200
