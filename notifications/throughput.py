"""WhatsApp's throughput limit, kept on our side: a token bucket per sending number, in Redis.

The Cloud API takes a limited number of messages per second from one business phone number (80
by default, more once Meta raises the number's tier) and answers 429 with error 130429 past it.
So every WhatsApp send first takes its turn from `<AGENDO_REDIS_PREFIX>:wa-bucket:<number id>`,
shared by every worker and thread of the platform:

- The bucket is a token bucket in its GCRA form (one timestamp per number, the "theoretical
  arrival time"): WHATSAPP_RATE_PER_SECOND tokens a second, WHATSAPP_RATE_BURST of them at once
  after a quiet spell. In any one second, at most RATE + BURST - 1 sends leave for a number (the
  default burst, 1, spaces them 1/RATE apart: never more than RATE in a second).
- One Lua script does the whole step atomically on the Redis server's clock (workers' clocks may
  differ): it reserves the caller's turn and answers how long to wait for it. A caller never asks
  twice; a caller that dies while waiting only leaves its turn unused.
- A platform-shared number (businesses without their own `whatsapp_phone_number_id`) has one
  bucket for all of them: together they send at most RATE a second.
- Redis unreachable: the send goes at once (logged). The provider's 429 is a transient error, so
  a message refused then is retried later, never lost.
"""

import logging
import time

import redis
from django.conf import settings

log = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: rate (tokens a second), burst (tokens), and optionally "now" in
# microseconds (tests; otherwise the server's TIME). Answers the wait in microseconds (0: go now).
_GCRA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now
if ARGV[3] and ARGV[3] ~= "" then
  now = tonumber(ARGV[3])
else
  local t = redis.call("TIME")
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = 1000000 / rate
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
local new_tat = tat + interval
redis.call("SET", KEYS[1], string.format("%.0f", new_tat), "PX",
  math.floor((new_tat - now) / 1000) + 1000)
return math.floor(wait)
"""

_client: redis.Redis | None = None
_script = None


def _bucket_script():
    global _client, _script
    if _script is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        _script = _client.register_script(_GCRA)
    return _script


def bucket_key(phone_number_id: str) -> str:
    return f"{settings.REDIS_PREFIX}:wa-bucket:{phone_number_id}"


def whatsapp_turn_wait(phone_number_id: str, *, now_us: int | None = None) -> float:
    """Reserve the next send from this number; the seconds to wait before making it (0: now).

    0 as well when the limit is off (WHATSAPP_RATE_PER_SECOND 0) or Redis cannot be reached."""
    rate = float(settings.WHATSAPP_RATE_PER_SECOND)
    if rate <= 0:
        return 0.0
    burst = max(1, int(settings.WHATSAPP_RATE_BURST))
    try:
        wait_us = _bucket_script()(
            keys=[bucket_key(phone_number_id)],
            args=[rate, burst, "" if now_us is None else now_us],
        )
    except redis.RedisError:
        log.warning("WhatsApp rate limit unavailable (Redis); sending without it", exc_info=True)
        return 0.0
    return int(wait_us) / 1_000_000


def whatsapp_take_turn(phone_number_id: str) -> float:
    """Wait for this number's next turn to send; returns the seconds waited."""
    wait = whatsapp_turn_wait(phone_number_id)
    if wait > 0:
        time.sleep(wait)
    return wait
