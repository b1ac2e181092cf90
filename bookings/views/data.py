"""The business's data going out: the owner's export of everything, a client's erasure."""

import tempfile

from django.contrib import messages
from django.db import connection
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import manager_required, owner_required
from bookings import exports, services
from bookings.scoping import visible_clients


@owner_required
def business_export(request):
    """A zip of all the business's data, built in a temporary file (memory stays flat)."""
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    exports.business_export_write(fileobj=archive, business=request.business)
    archive.seek(0)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"agendo-{connection.schema_name}-{stamp}.zip",
        content_type="application/zip",
    )


@manager_required
def client_erase(request, pk: int):
    """GET: what erasing this client means, and the button; POST: erase them."""
    client = get_object_or_404(visible_clients(request.user), pk=pk)
    if request.method == "POST" and client.erased_at is None:
        services.client_erase(client=client, actor=request.user)
        messages.success(request, _("The client's personal data was erased."))
        return redirect("bookings:client_detail", pk=client.pk)
    if request.method == "POST":
        return redirect("bookings:client_detail", pk=client.pk)
    upcoming = client.bookings.filter(
        status__in=services.Booking.ACTIVE_STATUSES, start__gt=timezone.now()
    ).count()
    return render(request, "bookings/client_erase.html", {"client": client, "upcoming": upcoming})
