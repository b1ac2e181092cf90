"""Which staff alerts a member receives: their own choice on the profile, a manager's on Team."""

import pytest

from accounts.models import User
from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from conftest import login_as

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(alpha):
    return OwnerFactory(email="olivia@example.com")


def test_without_a_choice_managers_also_hear_of_unowned_resources_and_staff_of_their_own(alpha):
    assert OwnerFactory().alerts_effective == User.Alerts.UNOWNED
    assert AdminFactory().alerts_effective == User.Alerts.UNOWNED
    assert UserFactory().alerts_effective == User.Alerts.OWN
    assert OwnerFactory(alerts=User.Alerts.NONE).alerts_effective == User.Alerts.NONE


def test_a_member_chooses_their_alerts_on_their_profile(alpha, alpha_client):
    barber = UserFactory(email="rafa@example.com", full_name="Rafa")
    client = login_as(alpha_client, barber, "alpha")
    page = client.get("/app/profile/")
    assert page.status_code == 200
    assert b"Alerts by e-mail" in page.content
    checked = page.content.split(b'value="own"')[1].split(b">")[0]
    assert b"checked" in checked  # the role's default is shown as chosen

    response = client.post("/app/profile/", {"full_name": "Rafa Lima", "alerts": "none"})
    assert response.status_code == 302
    barber.refresh_from_db()
    assert (barber.full_name, barber.alerts) == ("Rafa Lima", User.Alerts.NONE)

    partial = client.post("/app/profile/", {"full_name": "Rafa", "alerts": "unowned"}, **HTMX)
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b"Your profile is saved." in partial.content
    barber.refresh_from_db()
    assert barber.alerts == User.Alerts.UNOWNED


def test_a_made_up_choice_is_refused_with_422(alpha, alpha_client):
    barber = UserFactory(alerts=User.Alerts.OWN)
    client = login_as(alpha_client, barber, "alpha")
    response = client.post("/app/profile/", {"full_name": "X", "alerts": "everything"}, **HTMX)
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content
    barber.refresh_from_db()
    assert barber.alerts == User.Alerts.OWN


def test_a_manager_sets_a_members_alerts_on_the_team_screen(owner, alpha_client):
    barber = UserFactory(email="rafa@example.com")
    client = login_as(alpha_client, owner, "alpha")
    page = client.get("/app/team/")
    assert f'id="alerts-{barber.pk}"'.encode() in page.content

    response = client.post(f"/app/team/{barber.pk}/alerts/", {"alerts": "unowned"}, **HTMX)
    assert response.status_code == 200
    assert b"Alerts of" in response.content
    barber.refresh_from_db()
    assert barber.alerts == User.Alerts.UNOWNED

    refused = client.post(f"/app/team/{barber.pk}/alerts/", {"alerts": "bogus"}, **HTMX)
    assert refused.status_code == 422
    barber.refresh_from_db()
    assert barber.alerts == User.Alerts.UNOWNED


def test_an_admin_cannot_change_an_owners_alerts_and_staff_cannot_use_the_team_screen(
    owner, alpha_client
):
    admin = AdminFactory()
    client = login_as(alpha_client, admin, "alpha")
    response = client.post(f"/app/team/{owner.pk}/alerts/", {"alerts": "none"}, **HTMX)
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.alerts == ""

    staff = login_as(alpha_client, UserFactory(), "alpha")
    assert staff.post(f"/app/team/{owner.pk}/alerts/", {"alerts": "none"}).status_code == 403


def test_profile_and_team_pages_query_counts_stay_flat(
    owner, alpha_client, django_assert_max_num_queries
):
    client = login_as(alpha_client, owner, "alpha")
    client.get("/app/profile/")  # the plan's terms are cached after a business's first page
    with django_assert_max_num_queries(8):
        assert client.get("/app/profile/").status_code == 200
    UserFactory.create_batch(3)
    with django_assert_max_num_queries(10) as few:
        client.get("/app/team/")
    UserFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/app/team/")
