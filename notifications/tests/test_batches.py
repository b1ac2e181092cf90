"""Due messages in batches (services.messages_send_due) and WhatsApp's rate per number
(notifications/throughput.py), against the local fake Cloud API with its rate limit on."""

import time
import uuid
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from notifications import services, throughput
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.tests.test_sending import fake_whatsapp as fake_whatsapp

Status = Message.Status


def _due(count: int, *, prefix: str = "5511955") -> list[Message]:
    now = timezone.now()
    return Message.objects.bulk_create(
        Message(
            channel=Channel.WHATSAPP,
            kind=Kind.TEST,
            recipient=f"+{prefix}{i:05d}1",
            body=f"Batch message {i}",
            send_after=now,
        )
        for i in range(count)
    )


@pytest.fixture
def number(settings):
    """A sending number of its own (a fresh bucket) for the business under test."""
    phone_number_id = f"9{uuid.uuid4().int % 10**14:014d}"
    channels = ChannelSettings.load()
    channels.whatsapp_phone_number_id, channels.whatsapp_access_token = phone_number_id, "tok"
    channels.whatsapp_template_name = ""
    channels.save()
    yield phone_number_id
    throughput._bucket_script()  # the client exists once a send has taken a turn
    throughput._client.delete(throughput.bucket_key(phone_number_id))


def test_the_bucket_spaces_sends_at_the_rate_after_the_burst(settings):
    settings.WHATSAPP_RATE_PER_SECOND, settings.WHATSAPP_RATE_BURST = 10, 3
    key = f"test-{uuid.uuid4().hex}"
    t = 1_000_000_000_000  # microseconds, on a clock of the test's own
    waits = [throughput.whatsapp_turn_wait(key, now_us=t) for _ in range(6)]
    # Three at once, then one every 1/10 s: turns are reserved, so each caller waits its own.
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])
    # After a quiet second the burst is back; another number was never affected.
    later = t + 1_000_000 + 400_000
    assert [throughput.whatsapp_turn_wait(key, now_us=later) for _ in range(3)] == [0, 0, 0]
    assert throughput.whatsapp_turn_wait(f"{key}-other", now_us=t) == 0
    settings.WHATSAPP_RATE_PER_SECOND = 0  # off: nobody waits, nothing is kept
    assert throughput.whatsapp_turn_wait(key, now_us=t) == 0
    for name in (key, f"{key}-other"):
        throughput._client.delete(throughput.bucket_key(name))
    assert throughput.bucket_key("123") == f"{django_settings.REDIS_PREFIX}:wa-bucket:123"


def test_a_batch_stays_under_the_providers_rate_and_sends_each_message_once(
    alpha, fake_whatsapp, number, settings, django_assert_max_num_queries
):
    """The fake refuses (130429) past 50 a second per number; we keep 40 a second, bursts of 5.
    Without our bucket, 60 sends at 12 at a time go in well under a second and many are refused."""
    fake_whatsapp.rate_limit = 50
    settings.WHATSAPP_RATE_PER_SECOND, settings.WHATSAPP_RATE_BURST = 40, 5
    messages = _due(60)
    started = time.monotonic()
    # Per message: the `sent` update and the WhatsApp contact in its savepoint (4 queries here,
    # 2 statements in a worker), plus its share of a claim (about 10 queries for a few rows).
    with django_assert_max_num_queries(60 * 7):
        result = services.messages_send_due(limit=100, concurrency=12)
    elapsed = time.monotonic() - started

    assert result.statuses == {Status.SENT: 60} and result.claimed == 60 and result.exhausted
    assert fake_whatsapp.throttled == []  # never over the provider's limit
    assert fake_whatsapp.peak_per_second()[number] <= 50
    assert elapsed >= (60 - 5) / 40 - 0.05  # the bucket, not luck, kept us under it
    sent = Counter(request["to"] for request in fake_whatsapp.sent)
    assert len(sent) == 60 and set(sent.values()) == {1}
    assert all(r["path"].endswith(f"/{number}/messages") for r in fake_whatsapp.sent)
    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert set(rows.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert Counter(rows.values_list("provider_id", flat=True)).most_common(1)[0][1] == 1


def test_the_fakes_limit_refuses_a_burst_and_the_refused_wait_for_a_retry(
    alpha, fake_whatsapp, number, settings
):
    """Our bucket off: what the provider refuses (429, 130429) is queued again with a backoff,
    counted as an attempt; nothing is lost and nothing sent twice."""
    fake_whatsapp.rate_limit = 5
    settings.WHATSAPP_RATE_PER_SECOND = 0
    _due(20)
    now = timezone.now()
    result = services.messages_send_due(limit=100, concurrency=20, now=now)

    refused = len(fake_whatsapp.throttled)
    assert refused >= 10 and result.statuses == {Status.SENT: 20 - refused, Status.QUEUED: refused}
    queued = Message.objects.filter(status=Status.QUEUED)
    assert queued.count() == refused
    assert all("130429" in m.last_error and m.send_after > now for m in queued)
    assert len({r["to"] for r in fake_whatsapp.sent}) == len(fake_whatsapp.sent) == 20 - refused


def test_a_batch_claims_at_most_its_limit_and_says_more_may_be_due(
    alpha, fake_whatsapp, number, settings
):
    settings.WHATSAPP_RATE_PER_SECOND = 0
    _due(10)
    first = services.messages_send_due(limit=6, concurrency=4)
    assert first.statuses == {Status.SENT: 6} and not first.exhausted
    second = services.messages_send_due(limit=6, concurrency=4)
    assert second.statuses == {Status.SENT: 4} and second.exhausted
    assert services.messages_send_due(limit=6).claimed == 0
    assert len(fake_whatsapp.sent) == 10
    assert set(Message.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_an_error_writing_down_a_failure_never_leaves_an_accepted_message_to_go_again(
    alpha, fake_whatsapp, number, settings, monkeypatch
):
    """Writing down a refusal raises (the database went away, say): every message the provider
    accepted is still marked sent, none is left `sending` for the sweep to queue again."""
    fake_whatsapp.rate_limit = 5
    settings.WHATSAPP_RATE_PER_SECOND = 0
    _due(20)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_record", broken)
    with pytest.raises(RuntimeError):
        services.messages_send_due(limit=100, concurrency=20)

    accepted = {r["to"] for r in fake_whatsapp.sent}
    assert fake_whatsapp.throttled and accepted  # some refused, some accepted
    rows = Message.objects.filter(recipient__in=[f"+{to}" for to in accepted])
    assert rows.count() == len(accepted)
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
