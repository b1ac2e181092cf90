"""Writes for calendar feeds: issue (create or regenerate), revoke, and a calendar app's read."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from feeds.errors import FeedError
from feeds.models import FeedToken, new_feed_token
from feeds.selectors import feed_may_manage
from scheduling.models import Resource

# Calendar apps poll every few minutes to hours: note the read at most this often.
FETCH_NOTE_EVERY = dt.timedelta(minutes=10)


def _check(*, actor: User, user: User | None, resource: Resource | None) -> None:
    if not feed_may_manage(actor=actor, user=user, resource=resource):
        raise FeedError("forbidden", _("You can only manage your own calendar feed."))


@transaction.atomic
def feed_issue(
    *, actor: User, user: User | None = None, resource: Resource | None = None
) -> FeedToken:
    """A new address for the member's or resource's feed: created, or regenerated (the old
    address stops working at once)."""
    _check(actor=actor, user=user, resource=resource)
    subject = {"user": user} if user is not None else {"resource": resource}
    now = timezone.now()
    feed = FeedToken.objects.select_for_update().filter(**subject).first()
    regenerated = feed is not None
    if feed is None:
        feed = FeedToken(**subject)
    feed.token = new_feed_token()
    feed.issued_by = actor
    feed.issued_at = now
    feed.content_etag = ""
    feed.content_changed_at = None
    feed.last_fetched_at = None
    feed.save()
    audit_record(
        actor=actor,
        action="feed.regenerated" if regenerated else "feed.created",
        target=user or resource,
    )
    return feed


@transaction.atomic
def feed_revoke(*, actor: User, feed: FeedToken) -> None:
    """The feed's address stops working; a new one can be issued later."""
    _check(actor=actor, user=feed.user, resource=feed.resource)
    target = feed.user or feed.resource
    feed.delete()
    audit_record(actor=actor, action="feed.revoked", target=target)


def feed_record_fetch(*, feed: FeedToken, etag: str, now: dt.datetime) -> dt.datetime:
    """Note a calendar app's read and return when the body it got last changed (the feed's
    Last-Modified): the first time this ETag was served. At most one small UPDATE a read, and
    none while the body and the recent read note stay the same."""
    changes = {}
    if feed.content_etag != etag or feed.content_changed_at is None:
        changes.update(content_etag=etag, content_changed_at=now)
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_NOTE_EVERY:
        changes["last_fetched_at"] = now
    if changes:
        # By token: a regeneration meanwhile made this row someone else's business.
        FeedToken.objects.filter(pk=feed.pk, token=feed.token).update(**changes)
        for name, value in changes.items():
            setattr(feed, name, value)
    return feed.content_changed_at
