"""feeds.services: who may issue and revoke which feed, whatever view calls them."""

import pytest

from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from feeds import services
from feeds.errors import FeedError
from feeds.models import FeedToken
from scheduling.tests.factories import ResourceFactory


def test_only_the_owner_or_the_member_themselves_may_issue_or_revoke(alpha):
    owner, admin, rafa, bia = OwnerFactory(), AdminFactory(), UserFactory(), UserFactory()
    room = ResourceFactory(user=rafa)

    feed = services.feed_issue(actor=rafa, user=rafa)
    assert feed.issued_by == rafa and len(feed.token) >= 43
    refusals = [(bia, {"user": rafa}), (admin, {"user": rafa}), (rafa, {"resource": room})]
    for actor, subject in refusals:
        with pytest.raises(FeedError) as refused:
            services.feed_issue(actor=actor, **subject)
        assert refused.value.status == 403
    with pytest.raises(FeedError):
        services.feed_revoke(actor=bia, feed=feed)
    assert FeedToken.objects.get(pk=feed.pk).token == feed.token

    assert services.feed_issue(actor=owner, resource=room).resource == room
    inactive = UserFactory(is_active=False)
    with pytest.raises(FeedError):
        services.feed_issue(actor=inactive, user=inactive)


def test_regenerating_keeps_one_row_with_a_new_token_and_a_fresh_history(alpha):
    rafa = UserFactory()
    first = services.feed_issue(actor=rafa, user=rafa)
    used = {"content_etag": '"x"', "last_fetched_at": first.issued_at}
    FeedToken.objects.filter(pk=first.pk).update(**used)
    second = services.feed_issue(actor=rafa, user=rafa)
    assert second.pk == first.pk and second.token != first.token
    assert second.content_etag == "" and second.last_fetched_at is None
    assert FeedToken.objects.filter(user=rafa).count() == 1
