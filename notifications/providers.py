"""The outside world: WhatsApp Cloud API over httpx, e-mail through Django's backend."""

import os
import smtplib
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from notifications.throughput import whatsapp_take_turn


class SendError(Exception):
    """A provider refused or failed; `transient` ones are worth retrying.

    `code` is WhatsApp's error code when it gave one (131047: outside the 24-hour window).
    """

    def __init__(self, message: str, *, transient: bool, code: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.code = code


OUTSIDE_WINDOW = 131047

# One HTTP client per process: building one costs about 50 ms (its TLS context), which was
# nearly the whole time of a send, and it keeps connections to the API alive between sends.
# Keyed by pid so that a forked pool child never shares its parent's sockets. Thread-safe: a
# batch's sender threads share it. HTTP/2 where the server offers it (the Cloud API does, over
# TLS): a batch's requests then share one connection; plain-HTTP servers get HTTP/1.1 and a pool.
_clients: dict[int, httpx.Client] = {}


def _http() -> httpx.Client:
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        _clients.clear()  # a parent's client, inherited through fork: not ours to close
        connections = max(20, settings.MESSAGE_SEND_CONCURRENCY)
        client = _clients[pid] = httpx.Client(
            http2=True,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
    return client


@dataclass(frozen=True)
class WhatsAppAccount:
    base_url: str
    api_version: str
    phone_number_id: str
    access_token: str


def whatsapp_send_text(account: WhatsAppAccount, *, to: str, body: str, callback: str = "") -> str:
    """Send free-form text (allowed within 24 h of the client's last message); returns the wamid."""
    return _whatsapp_post(
        account,
        {"type": "text", "text": {"preview_url": True, "body": body}},
        to=to,
        callback=callback,
    )


def whatsapp_send_template(
    account: WhatsAppAccount, *, to: str, name: str, language: str, text: str, callback: str = ""
) -> str:
    """Send an approved template whose body has one variable, {{1}}, filled with our text."""
    # Template parameters may not hold new lines, tabs or more than four spaces in a row.
    flat = " ".join(text.split())
    template = {
        "name": name,
        "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": flat}]}],
    }
    return _whatsapp_post(
        account, {"type": "template", "template": template}, to=to, callback=callback
    )


def _whatsapp_post(account: WhatsAppAccount, content: dict, *, to: str, callback: str) -> str:
    url = f"{account.base_url.rstrip('/')}/{account.api_version}/{account.phone_number_id}/messages"
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
    }
    payload.update(content)
    if callback:  # echoed back in status webhooks: tells us whose message it was
        payload["biz_opaque_callback_data"] = callback
    whatsapp_take_turn(account.phone_number_id)  # the number's messages per second
    try:
        response = _http().post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {account.access_token}"},
            timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
        )
    except httpx.TimeoutException as exc:
        raise SendError(f"WhatsApp timed out: {exc}", transient=True) from exc
    except httpx.TransportError as exc:
        raise SendError(f"WhatsApp unreachable: {exc}", transient=True) from exc
    if response.status_code >= 400:
        transient = response.status_code == 429 or response.status_code >= 500
        raise SendError(
            f"WhatsApp {response.status_code}: {response.text[:300]}",
            transient=transient,
            code=_error_code(response),
        )
    try:
        return response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SendError(
            f"WhatsApp answered without an id: {response.text[:300]}", transient=True
        ) from exc


def _error_code(response: httpx.Response) -> int | None:
    try:
        return int(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def email_send(*, to: str, subject: str, body: str, from_email: str | None, attachments=()) -> str:
    email = EmailMessage(subject=subject, body=body, from_email=from_email or None, to=[to])
    for name, content, mimetype in attachments:
        email.attach(name, content, mimetype)
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient refused: permanent unless the server only said "later" (4xx).
        codes = [code for code, _ in exc.recipients.values()]
        transient = bool(codes) and all(400 <= code < 500 for code in codes)
        raise SendError(f"E-mail refused: {_refusals(exc)}", transient=transient) from exc
    except smtplib.SMTPResponseException as exc:  # 5xx: refused for good; 4xx: try again
        transient = not 500 <= exc.smtp_code < 600
        raise SendError(
            f"E-mail failed: SMTP {exc.smtp_code} {_text(exc.smtp_error)}", transient=transient
        ) from exc
    except OSError as exc:  # SMTP down, unreachable, timed out or disconnected: try again later
        raise SendError(f"E-mail failed: {exc!r}", transient=True) from exc
    return ""


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _refusals(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{address}: {code} {_text(message)}" for address, (code, message) in exc.recipients.items()
    )
