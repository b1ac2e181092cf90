"""Sign and post a billing event to a running Agendo, as the billing provider would.

Examples:
- manage.py billing_event payment.failed demo
- manage.py billing_event subscription.activated demo --plan pro --period-end 2027-01-04T00:00Z
- manage.py billing_event plan.changed demo --plan starter --url http://localhost:8000/webhooks/billing/
"""

import json
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.webhook import KNOWN, sign


class Command(BaseCommand):
    help = "Sign (with the first BILLING_WEBHOOK_SECRETS) and POST one billing event."

    def add_arguments(self, parser):
        parser.add_argument("type", help=", ".join(sorted(KNOWN)))
        parser.add_argument("business", help="the business's slug")
        parser.add_argument("--plan")
        parser.add_argument("--period-end")
        parser.add_argument("--now", action="store_true", help="cancel now, not at period end")
        parser.add_argument("--id", help="event id (default: a new one)")
        parser.add_argument(
            "--url", help="default: http://<BASE_DOMAIN>:<PUBLIC_PORT>/webhooks/billing/"
        )

    def handle(self, *args, **options):
        if not settings.BILLING_WEBHOOK_SECRETS:
            raise CommandError("BILLING_WEBHOOK_SECRETS is empty: set it here and in the server")
        data = {"business": options["business"]}
        if options["plan"]:
            data["plan"] = options["plan"]
        if options["period_end"]:
            data["period_end"] = options["period_end"]
        if options["now"]:
            data["at_period_end"] = False
        event = {
            "id": options["id"] or f"evt_{uuid.uuid4().hex}",
            "type": options["type"],
            "data": data,
        }
        body = json.dumps(event).encode()
        port = f":{settings.PUBLIC_PORT}" if getattr(settings, "PUBLIC_PORT", "") else ""
        url = options["url"] or f"http://{settings.BASE_DOMAIN}{port}/webhooks/billing/"
        request = urllib.request.Request(  # noqa: S310 (a URL the operator gives)
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Agendo-Signature": sign(body, settings.BILLING_WEBHOOK_SECRETS[0]),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status, answer = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, exc.read().decode()
        except urllib.error.URLError as exc:
            raise CommandError(f"could not reach {url}: {exc.reason}") from exc
        self.stdout.write(f"{event['id']} {event['type']} → {status} {answer}")
        if status >= 300:
            raise CommandError(f"refused with {status}")
