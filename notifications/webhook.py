"""The WhatsApp Cloud API webhook on the platform host: verified, answered at once, handled later.

GET answers Meta's subscription check; POST accepts only events signed with the app secret
(`X-Hub-Signature-256`) and hands them to a task, which routes each to its business's schema.
"""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

log = logging.getLogger(__name__)


def signature_valid(body: bytes, header: str) -> bool:
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        token = settings.WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(token.encode(), given.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("Verification refused.", status=403, content_type="text/plain")

    if not signature_valid(request.body, request.headers.get("X-Hub-Signature-256", "")):
        return JsonResponse({"error": "invalid signature"}, status=403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "the body is not a JSON object"}, status=400)

    from notifications.tasks import whatsapp_webhook_process

    try:
        whatsapp_webhook_process.delay(payload)
    except Exception:  # broker down: refuse, and Meta delivers the event again later
        log.exception("could not queue a WhatsApp webhook event")
        return JsonResponse({"error": "try again later"}, status=503)
    return JsonResponse({"ok": True})
