"""Send every due message of every active business now, in this process (no worker needed)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import tenant_context

from notifications import services
from tenants.selectors import tenant_list_active


class Command(BaseCommand):
    help = (
        "One sweep per business: re-queue stuck sends, expire unconfirmed past bookings, "
        "then send what is due."
    )

    def handle(self, *args, **options):
        totals: dict[str, int] = {}
        for tenant in tenant_list_active():
            with tenant_context(tenant):
                now = timezone.now()
                for message_id in services.outbox_sweep(now=now):
                    status = services.message_send(message_id=message_id, now=now)
                    totals[status] = totals.get(status, 0) + 1
        summary = (
            ", ".join(f"{n} {status}" for status, n in sorted(totals.items())) or "nothing due"
        )
        self.stdout.write(f"dispatch_messages: {summary}")
