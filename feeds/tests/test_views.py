"""/app/feeds/: each member finds their own feed's address (owners: every member's and
resource's), creates, regenerates and turns it off; nobody else's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from conftest import assert_no_english, login_as, visible_text
from feeds.models import FeedToken
from feeds.tests.factories import feed_for
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team(alpha):
    owner = OwnerFactory(full_name="Olga Owner")
    rafa = UserFactory(full_name="Rafa Lima")
    bia = UserFactory(full_name="Bia Costa")
    chair = ResourceFactory(name="Rafa's chair", user=rafa)
    room = ResourceFactory(name="Room 2", kind="space")
    return {"owner": owner, "rafa": rafa, "bia": bia, "chair": chair, "room": room}


def _as(client, user):
    return login_as(client, user, "alpha")


def test_a_member_sees_only_their_own_feed(team, alpha_client):
    bia_feed = feed_for(user=team["bia"])
    room_feed = feed_for(resource=team["room"])
    client = _as(alpha_client, team["rafa"])

    page = client.get("/app/feeds/")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "Rafa Lima" in text
    assert "Bia Costa" not in text and "Room 2" not in text
    assert bia_feed.token not in page.content.decode()
    assert room_feed.token not in page.content.decode()

    created = client.post(f"/app/feeds/member/{team['rafa'].pk}/issue/")
    assert created.status_code == 302
    mine = FeedToken.objects.get(user=team["rafa"])
    page = client.get("/app/feeds/").content.decode()
    assert f"http://alpha.localhost/feeds/{mine.token}.ics" in page
    assert f"webcal://alpha.localhost/feeds/{mine.token}.ics" in page


def test_a_member_cannot_regenerate_or_revoke_someone_elses_feed(team, alpha_client):
    bia_feed = feed_for(user=team["bia"])
    chair_feed = feed_for(resource=team["chair"])  # even the resource linked to them
    client = _as(alpha_client, team["rafa"])

    for url in (
        f"/app/feeds/member/{team['bia'].pk}/issue/",
        f"/app/feeds/member/{team['bia'].pk}/revoke/",
        f"/app/feeds/resource/{team['chair'].pk}/issue/",
        f"/app/feeds/resource/{team['chair'].pk}/revoke/",
        f"/app/feeds/resource/{team['room'].pk}/issue/",
    ):
        assert client.post(url).status_code == 404, url
        assert client.post(url, **HTMX).status_code == 404, url

    assert FeedToken.objects.get(pk=bia_feed.pk).token == bia_feed.token
    assert FeedToken.objects.get(pk=chair_feed.pk).token == chair_feed.token
    assert not FeedToken.objects.filter(resource=team["room"]).exists()


def test_an_admin_manages_only_their_own_feed(team, alpha_client):
    admin = AdminFactory()
    client = _as(alpha_client, admin)
    assert client.post(f"/app/feeds/member/{team['rafa'].pk}/issue/").status_code == 404
    assert client.post(f"/app/feeds/member/{admin.pk}/issue/").status_code == 302
    assert "Rafa Lima" not in visible_text(client.get("/app/feeds/").content.decode())


def test_the_owner_sees_regenerates_and_revokes_every_feed(team, alpha_client):
    old = feed_for(user=team["rafa"]).token
    client = _as(alpha_client, team["owner"])

    page = client.get("/app/feeds/")
    text = visible_text(page.content.decode())
    for name in ("Olga Owner", "Rafa Lima", "Bia Costa", "Rafa's chair", "Room 2"):
        assert name in text
    assert old in page.content.decode()

    regenerated = client.post(f"/app/feeds/member/{team['rafa'].pk}/issue/", **HTMX)
    assert regenerated.status_code == 200
    new = FeedToken.objects.get(user=team["rafa"]).token
    assert new != old
    assert new in regenerated.content.decode() and old not in regenerated.content.decode()
    assert 'id="feed-list"' in regenerated.content.decode()
    assert "<html" not in regenerated.content.decode()  # the partial only
    assert alpha_client.get(f"/feeds/{old}.ics").status_code == 404
    assert alpha_client.get(f"/feeds/{new}.ics").status_code == 200

    room = client.post(f"/app/feeds/resource/{team['room'].pk}/issue/", **HTMX)
    assert room.status_code == 200
    room_token = FeedToken.objects.get(resource=team["room"]).token
    assert client.post(f"/app/feeds/resource/{team['room'].pk}/revoke/").status_code == 302
    assert not FeedToken.objects.filter(resource=team["room"]).exists()
    assert alpha_client.get(f"/feeds/{room_token}.ics").status_code == 404


def test_the_page_needs_a_login_and_its_actions_a_post(team, alpha_client):
    assert alpha_client.get("/app/feeds/").status_code == 302
    client = _as(alpha_client, team["rafa"])
    assert client.get(f"/app/feeds/member/{team['rafa'].pk}/issue/").status_code == 405
    assert client.post(f"/app/feeds/member/{team['rafa'].pk}/explode/").status_code == 404


def test_the_owners_page_query_count_does_not_grow_with_rows(team, alpha_client):
    client = _as(alpha_client, team["owner"])
    client.get("/app/feeds/")  # warm: session, business, plan terms
    with CaptureQueriesContext(connection) as few:
        client.get("/app/feeds/", **HTMX)
    for _ in range(5):
        feed_for(user=UserFactory())
        feed_for(resource=ResourceFactory())
    with CaptureQueriesContext(connection) as more:
        client.get("/app/feeds/", **HTMX)
    assert len(more) == len(few)


def test_the_page_in_portuguese(team, alpha_client):
    business = BusinessSettings.load()
    business.language = "pt-br"
    business.save()
    feed_for(user=team["owner"])
    read = feed_for(user=team["rafa"])
    FeedToken.objects.filter(pk=read.pk).update(last_fetched_at=read.issued_at)
    # The owner sees every kind of card; Rafa one with a feed read; Bia none linked, no feed.
    for user in (team["owner"], team["rafa"], team["bia"]):
        client = _as(alpha_client, user)
        html = client.get("/app/feeds/").content.decode()
        assert "Feeds de agenda" in html
        assert_no_english(html)
        assert_no_english(client.get("/app/feeds/", **HTMX).content.decode())
        done = client.post(f"/app/feeds/member/{user.pk}/issue/", **HTMX).content.decode()
        assert_no_english(done)


def test_each_change_is_in_the_audit_trail_in_words(team, alpha_client):
    from accounts.models import AuditEntry

    client = _as(alpha_client, team["owner"])
    url = f"/app/feeds/member/{team['rafa'].pk}"
    for action in ("issue", "issue", "revoke"):
        client.post(f"{url}/{action}/")
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action_label for e in entries] == [
        "Calendar feed created",
        "Calendar feed address replaced",
        "Calendar feed turned off",
    ]
    assert {e.target_label for e in entries} == {"Rafa Lima"}
    assert {e.actor_id for e in entries} == {team["owner"].pk}
