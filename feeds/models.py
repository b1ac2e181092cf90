"""Private calendar feeds (ICS) of one team member or one resource (tenant schema).

The token in the feed's address is the only key: whoever holds the address reads the feed, with
no session. It is 256 random bits, kept so the page can show the address again (calendar apps
need it for as long as they are subscribed); regenerating replaces it, revoking deletes the row,
and either way the old address answers 404.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.models import Resource

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters


def new_feed_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class FeedToken(models.Model):
    # Exactly one of the two: a member's feed follows the resource linked to them.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    resource = models.OneToOneField(
        Resource,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When this token was made (created or regenerated).
    issued_at = models.DateTimeField()
    # A calendar app's last read (written at most every few minutes: feeds are polled).
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    # The ETag of the last body served and when it first appeared: the feed's Last-Modified.
    content_etag = models.CharField(max_length=80, blank=True)
    content_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(resource__isnull=True))
                | (Q(user__isnull=True) & Q(resource__isnull=False)),
                name="feed_token_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"feed of {self.user or self.resource}"

    @property
    def kind(self) -> str:
        return "member" if self.user_id else "resource"
