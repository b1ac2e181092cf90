"""Sign-up under a flood or a script: limits, the honeypot and the minimum fill time refuse before
any schema is created."""

import re
import time

import pytest
from django.db import connection

from conftest import host_client
from tenants.errors import SignupError
from tenants.forms import signup_stamp
from tenants.models import Tenant
from tenants.tests.test_signup import VALID


def _tenants() -> int:
    connection.set_schema_to_public()
    return Tenant.objects.count()


def _post(client, slug: str, **changes):
    return client.post(
        "/signup/", {**VALID, "slug": slug, "owner_email": f"{slug}@example.com", **changes}
    )


@pytest.fixture
def fast_schemas(monkeypatch):
    """Sign-ups that skip building the schema: these tests count businesses, not migrations."""
    from tenants import services

    made = []

    def fake_signup(**fields):
        made.append(fields["slug"])
        raise SignupError("test", "test: not created", "slug")

    monkeypatch.setattr(services, "tenant_signup", fake_signup)
    return made


def test_the_form_carries_a_signed_stamp_and_a_hidden_trap(platform_client):
    page = platform_client.get("/signup/").content.decode()
    stamp = re.search(r'name="shown_at" value="([^"]+)"', page).group(1)
    assert stamp.split(":")[0].isdigit()
    assert 'class="hp" aria-hidden="true"' in page and 'name="website"' in page


def test_a_sixth_signup_from_one_address_in_an_hour_waits(platform_client, fast_schemas, settings):
    settings.SIGNUP_PER_IP_PER_HOUR = 5
    for n in range(5):
        assert _post(platform_client, f"flood-{n}").status_code == 422  # reached the service
    response = _post(platform_client, "flood-5")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many sign-ups right now" in response.content.decode()
    assert fast_schemas == [f"flood-{n}" for n in range(5)]  # the sixth never reached it

    # Another address is not held back by this one.
    other = host_client("localhost", REMOTE_ADDR="203.0.113.9")
    assert _post(other, "other-place").status_code == 422
    assert fast_schemas[-1] == "other-place"


def test_the_platform_wide_limit_holds_across_addresses(platform_client, fast_schemas, settings):
    settings.SIGNUP_PER_HOUR = 3
    for n in range(3):
        client = host_client("localhost", REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert _post(client, f"spread-{n}").status_code == 422
    late = host_client("localhost", REMOTE_ADDR="198.51.100.77")
    response = _post(late, "spread-late")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert len(fast_schemas) == 3


def test_a_burst_of_posts_from_one_address_is_cut_off_even_when_invalid(platform_client):
    statuses = [_post(platform_client, "x", phone="12").status_code for _ in range(21)]
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429


def test_a_filled_honeypot_creates_nothing(platform_client):
    before = _tenants()
    response = _post(platform_client, "honey-pot", website="http://spam.example")
    assert response.status_code == 400
    assert "We could not create this booking page" in response.content.decode()
    assert _tenants() == before


def test_a_form_sent_at_once_is_refused_and_goes_through_when_sent_again(platform_client, settings):
    settings.SIGNUP_MIN_FILL_SECONDS = 3
    before = _tenants()
    stamp = signup_stamp(shown_at=time.time() - 1)
    response = _post(platform_client, "too-quick", shown_at=stamp)
    assert response.status_code == 422
    page = response.content.decode()
    assert "faster than anyone can type" in page
    assert f'value="{stamp}"' in page  # the same stamp: sent again later, it counts the wait
    assert _tenants() == before

    response = _post(platform_client, "too-quick", shown_at=signup_stamp(shown_at=time.time() - 4))
    assert response.status_code == 302
    assert _tenants() == before + 1


@pytest.mark.parametrize(
    "stamp",
    [
        "",
        "garbage",
        f"{int(time.time()) - 60}:forged",
        signup_stamp(shown_at=time.time() - 2 * 86400),
    ],
    ids=["missing", "garbled", "forged", "a-day-old"],
)
def test_a_missing_forged_or_stale_stamp_shows_the_form_again_freshly_stamped(
    platform_client, stamp
):
    before = _tenants()
    response = _post(platform_client, "no-stamp", shown_at=stamp)
    assert response.status_code == 422
    page = response.content.decode()
    assert "This form was open too long" in page
    fresh = re.search(r'name="shown_at" value="([^"]+)"', page).group(1)
    assert fresh != stamp
    assert 'value="no-stamp"' in page  # what was typed is kept
    assert _tenants() == before
