"""Services' categories: their screen, the service form's picker and photo, and the booking page
grouped by category, with photos and a search that also works without JavaScript."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import AuditEntry
from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import login_as
from scheduling.models import Service, ServiceCategory, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _photo(name="cut.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), "navy").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_categories_screen_creates_renames_and_deletes_audited(owner_client):
    response = owner_client.post("/app/service-categories/", {"name": "Hair", "order": 1})
    assert response.status_code == 302 and response["Location"] == "/app/service-categories/"
    hair = ServiceCategory.objects.get(name="Hair")
    cut = ServiceFactory(name="Cut", category=hair)

    response = owner_client.post(
        f"/app/service-categories/{hair.pk}/", {"name": "Hair & beard", "order": 2}, **HTMX
    )
    assert response.status_code == 200 and "Hair &amp; beard" in response.content.decode()
    # A name taken is a form error, not a 500.
    ServiceCategory.objects.create(name="Nails")
    response = owner_client.post("/app/service-categories/", {"name": "Nails", "order": 0})
    assert response.status_code == 422

    response = owner_client.post(f"/app/service-categories/{hair.pk}/delete/")
    assert response.status_code == 302
    cut.refresh_from_db()
    assert cut.category is None and Service.objects.filter(pk=cut.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {f"service_category.{verb}" for verb in ("created", "updated", "deleted")} <= actions
    # The resources' categories screen is untouched by it.
    assert owner_client.get("/app/categories/").status_code == 200


def test_staff_cannot_open_the_categories_screen(alpha, alpha_client):
    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get("/app/service-categories/").status_code == 403
    assert alpha_client.post("/app/service-categories/", {"name": "X"}).status_code == 403


def test_the_service_form_picks_a_category_and_takes_a_photo(owner_client):
    hair = ServiceCategory.objects.create(name="Hair")
    rafa = ResourceFactory(name="Rafa")
    data = {
        "name": "Cut",
        "description": "",
        "category": hair.pk,
        "photo": _photo(),
        "duration_minutes": 30,
        "price": "45.00",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "resources": [rafa.pk],
        "is_public": "on",
        "color": "#0f766e",
        "order": 0,
    }
    response = owner_client.post("/app/services/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cut = Service.objects.get(name="Cut")
    assert cut.category == hair
    assert cut.photo.name.startswith("services/") and cut.photo.name.endswith(".jpg")
    with Image.open(cut.photo.path) as image:
        assert max(image.size) == 1200
    # Saving again without a new file keeps the photo; a script as a photo is refused.
    data.pop("photo")
    assert owner_client.post(f"/app/services/{cut.pk}/", data).status_code == 302
    cut.refresh_from_db()
    assert cut.photo.name.startswith("services/")
    data["photo"] = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", "image/png")
    assert owner_client.post(f"/app/services/{cut.pk}/", data).status_code == 422
    # "Clear" removes it.
    data.pop("photo")
    data["photo-clear"] = "on"
    assert owner_client.post(f"/app/services/{cut.pk}/", data).status_code == 302
    cut.refresh_from_db()
    assert not cut.photo


@pytest.fixture
def catalogue(alpha):
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    rafa = ResourceFactory(name="Rafa")
    hair = ServiceCategory.objects.create(name="Hair", order=1)
    beard = ServiceCategory.objects.create(name="Beard", order=2)
    names = {
        "Classic cut": hair,
        "Kids cut": hair,
        "Coloração": hair,
        "Beard trim": beard,
        "Hot towel shave": beard,
        "Eyebrows": None,
        "Massage": None,
        "Scalp care": None,
    }
    for order, (name, category) in enumerate(names.items()):
        ServiceFactory(name=name, category=category, order=order, performers=[rafa])
    return {"hair": hair, "beard": beard}


def test_the_booking_page_groups_services_by_category_in_order(
    catalogue, alpha_client, django_assert_max_num_queries
):
    alpha_client.get("/")  # the plan's terms are cached after a business's first page
    with django_assert_max_num_queries(12):
        page = alpha_client.get("/").content.decode()
    hair, beard, other = (page.index(f">{h}</h3>") for h in ("Hair", "Beard", "Other"))
    assert hair < page.index("Classic cut") < page.index("Coloração") < beard
    assert beard < page.index("Hot towel shave") < other < page.index("Scalp care")
    # Eight services: a search box, and its script (a static file, no inline JavaScript).
    assert 'type="search"' in page and "js/service-search.js" in page


def test_the_search_filters_on_the_server_without_javascript(catalogue, alpha_client):
    page = alpha_client.get("/", {"q": "CUT"}).content.decode()
    assert "Classic cut" in page and "Kids cut" in page
    assert "Beard trim" not in page and "Massage" not in page
    # Accents and categories count: "coloracao" finds "Coloração", "beard" a whole category.
    page = alpha_client.get("/", {"q": "coloracao"}).content.decode()
    assert "Coloração" in page and "Classic cut" not in page
    page = alpha_client.get("/", {"q": "beard"}).content.decode()
    assert "Hot towel shave" in page and "Classic cut" not in page
    page = alpha_client.get("/", {"q": "zzz" * 100}).content.decode()
    assert "Nothing matches" in page and "Show everything" in page


def test_a_short_list_without_categories_has_no_headings_and_no_search(alpha, alpha_client):
    WeeklyHours.objects.create(weekday=0, start=dt.time(9), end=dt.time(18))
    ServiceFactory(name="Cut", performers=[ResourceFactory()])
    page = alpha_client.get("/").content.decode()
    assert "Cut" in page and "service-group-title" not in page and 'type="search"' not in page
