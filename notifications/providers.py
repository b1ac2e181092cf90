"""The outside world: WhatsApp Cloud API over httpx, e-mail through Django's backend."""

from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.mail import EmailMessage


class SendError(Exception):
    """A provider refused or failed; `transient` ones are worth retrying."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class WhatsAppAccount:
    base_url: str
    api_version: str
    phone_number_id: str
    access_token: str


def whatsapp_send_text(account: WhatsAppAccount, *, to: str, body: str) -> str:
    """Send a text message; returns the provider's message id (wamid)."""
    url = f"{account.base_url.rstrip('/')}/{account.api_version}/{account.phone_number_id}/messages"
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "text",
        "text": {"preview_url": True, "body": body},
    }
    try:
        response = httpx.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {account.access_token}"},
            timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
        )
    except httpx.TimeoutException as exc:
        raise SendError(f"WhatsApp timed out: {exc}", transient=True) from exc
    except httpx.TransportError as exc:
        raise SendError(f"WhatsApp unreachable: {exc}", transient=True) from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise SendError(f"WhatsApp {response.status_code}: {response.text[:300]}", transient=True)
    if response.status_code >= 400:
        raise SendError(f"WhatsApp {response.status_code}: {response.text[:300]}", transient=False)
    try:
        return response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError) as exc:
        raise SendError(
            f"WhatsApp answered without an id: {response.text[:300]}", transient=True
        ) from exc


def email_send(*, to: str, subject: str, body: str, from_email: str | None, attachments=()) -> str:
    email = EmailMessage(subject=subject, body=body, from_email=from_email or None, to=[to])
    for name, content, mimetype in attachments:
        email.attach(name, content, mimetype)
    try:
        email.send()
    except OSError as exc:  # SMTP down or refusing: try again later
        raise SendError(f"E-mail failed: {exc}", transient=True) from exc
    return ""
