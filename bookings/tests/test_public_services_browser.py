"""The booking page's services at 375 px in Chromium: grouped by category, with a photo, and the
search box filtering as one types (static/js/service-search.js, under the CSP).

Screenshots: artifacts/browser/public-services-*.png.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)
from conftest import PHONE, screenshot_fits
from scheduling.models import Resource, ServiceCategory
from scheduling.tests.factories import ServiceFactory
from scheduling.uploads import PHOTO_MAX_SIDE, image_upload_clean


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "darkorange").save(out, format="JPEG")
    upload = SimpleUploadedFile("corte.jpg", out.getvalue(), content_type="image/jpeg")
    return image_upload_clean(upload, max_side=PHOTO_MAX_SIDE)


def test_services_by_category_with_a_photo_and_the_search_at_375px(browser, shop):  # noqa: F811
    base = shop
    with schema_context("browser"):
        rafa = Resource.objects.get(name="Rafa")
        hair = ServiceCategory.objects.create(name="Cabelo e penteados especiais", order=1)
        beard = ServiceCategory.objects.create(name="Barba", order=2)
        ServiceFactory(
            name="Corte degradê com acabamento na navalha e lavagem",
            description="Inclui lavagem, massagem capilar e finalização com pomada modeladora.",
            category=hair,
            photo=_photo(),
            performers=[rafa],
        )
        for name, category in (
            ("Corte infantil", hair),
            ("Coloração", hair),
            ("Barba completa com toalha quente", beard),
            ("Pezinho", beard),
            ("Sobrancelha", None),
            ("Hidratação", None),
        ):
            ServiceFactory(name=name, category=category, performers=[rafa])
    page = browser.new_page(viewport=PHONE)
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    try:
        page.goto(f"{base}/")
        titles = page.locator(".service-group-title").all_inner_texts()
        assert titles == ["Cabelo e penteados especiais", "Barba", "Other"]
        photo = page.locator("img.service-photo")
        assert photo.count() == 1
        assert page.evaluate("document.querySelector('img.service-photo').naturalWidth") > 0
        screenshot_fits(page, "public-services-categories")

        page.get_by_role("searchbox").fill("barba")
        assert page.locator("[data-search]:visible").count() == 2
        assert page.locator(".service-group-title:visible").all_inner_texts() == ["Barba"]
        screenshot_fits(page, "public-services-search")

        page.get_by_role("searchbox").fill("coloracao")  # accents do not matter
        assert page.locator("[data-search]:visible").all_inner_texts()[0].startswith("Coloração")
        page.get_by_role("searchbox").fill("nada disso")
        assert page.locator("[data-search-empty]").is_visible()
        page.get_by_role("searchbox").fill("")
        assert page.locator("[data-search]:visible").count() == 8
        assert refused == []
    finally:
        page.close()
