"""Payments screens: the cash summary and entries (/app/payments/), their CSV, and the forms that
record a payment (on a booking, on a client) or a refund. Views check shapes and scope; the
rules are the services'."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.decorators import manager_required, role_required
from bookings.exports import csv_safe
from bookings.scoping import visible_bookings, visible_clients
from payments import selectors, services
from payments.errors import PaymentError
from payments.forms import PaymentForm, PaymentRangeForm, RefundForm
from payments.models import Method
from payments.panels import booking_panel_context, booking_panel_full, client_panel_context

PAGE_SIZE = 50


def _range(request):
    form = PaymentRangeForm(request.GET or None)
    start, end = form.range()
    return form, start, end


@role_required()
def payment_list(request):
    """The cash summary by day and method, then the entries with their refund forms."""
    form, start, end = _range(request)
    tz = timezone.get_current_timezone()
    summary = selectors.payment_day_summary(user=request.user, start=start, end=end, tz=tz)
    entries = selectors.payment_entries(user=request.user, start=start, end=end, tz=tz)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "summary": summary,
        "page": page,
        "query": query.urlencode(),
        "methods": Method.choices,
    }
    template = "payments/payment_list.html"
    if request.htmx:
        template += "#payments-page"
    return render(request, template, context, status=422 if form.errors else 200)


def _csv_response(name: str, start, end) -> tuple[HttpResponse, object]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    return response, csv.writer(response)


@role_required()
def summary_csv(request):
    """The summary's table: a row per day, a column per method, the totals last. Cells are
    machine-readable (ISO days, dot decimals), as the bookings' export."""
    _form, start, end = _range(request)
    tz = timezone.get_current_timezone()
    summary = selectors.payment_day_summary(user=request.user, start=start, end=end, tz=tz)
    response, writer = _csv_response("payments-by-day", start, end)
    writer.writerow(
        [
            csv_safe(cell)
            for cell in [pgettext("csv column", "day"), *summary.method_labels(), _("Total")]
        ]
    )
    for day in summary.days:
        writer.writerow([day.day.isoformat(), *day.cells(summary.methods), day.total])
    writer.writerow([_("Total"), *summary.total_cells(), summary.total])
    return response


@role_required()
def entries_csv(request):
    _form, start, end = _range(request)
    tz = timezone.get_current_timezone()
    entries = selectors.payment_entries(user=request.user, start=start, end=end, tz=tz)
    response, writer = _csv_response("payments", start, end)
    header = [
        pgettext("csv column", "id"),
        pgettext("csv column", "paid at"),
        pgettext("csv column", "amount"),
        pgettext("csv column", "currency"),
        pgettext("csv column", "method"),
        pgettext("csv column", "client"),
        pgettext("csv column", "booking"),
        pgettext("csv column", "refund of"),
        pgettext("csv column", "note"),
        pgettext("csv column", "recorded by"),
    ]
    writer.writerow(header)
    for entry in entries.iterator(chunk_size=500):
        cells = [
            entry.pk,
            timezone.localtime(entry.paid_at, tz).isoformat(),
            entry.amount,
            entry.currency,
            entry.method,
            entry.client.name,
            entry.booking.reference if entry.booking else "",
            entry.refund_of_id or "",
            entry.note,
            entry.recorded_by_label,
        ]
        writer.writerow([csv_safe(cell) for cell in cells])
    return response


def _refused(form, exc: PaymentError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@role_required()
def booking_payment(request, reference: str):
    """GET: the booking's panel (htmx) or its page; POST: record a payment on it."""
    booking = get_object_or_404(visible_bookings(request.user), reference=reference.upper())
    compact = request.POST.get("compact") == "1" or request.GET.get("compact") == "1"
    if request.method != "POST":
        if not request.htmx:
            return redirect("bookings:detail", reference=booking.reference)
        return _booking_panel(request, booking, compact=compact)
    form = PaymentForm(request.POST, prefix_id=f"pay-{booking.reference}-" if compact else "")
    if form.is_valid():
        try:
            services.payment_record(booking=booking, actor=request.user, **form.cleaned_data)
        except PaymentError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            if request.htmx:  # the panel says so itself
                return _booking_panel(request, booking, compact=compact, recorded=True)
            messages.success(request, _("Payment recorded."))
            return redirect("bookings:detail", reference=booking.reference)
    else:
        status = 422
    if request.htmx:
        return _booking_panel(request, booking, compact=compact, form=form, status=status)
    context = booking_panel_full(request, booking, form=form)
    return render(request, "payments/record.html", context, status=status)


def _booking_panel(
    request, booking, *, compact: bool, form=None, status: int = 200, recorded: bool = False
):
    if compact:
        money = selectors.booking_money(booking=booking)
        context = booking_panel_context(
            request=request, booking=booking, money=money, compact=True, form=form
        )
    else:
        context = booking_panel_full(request, booking, form=form)
    context["recorded"] = recorded
    return render(request, "payments/_booking_payments.html", context, status=status)


@manager_required
@require_POST
def client_payment(request, pk: int):
    """Record a payment from a client with no booking (owners and admins)."""
    client = get_object_or_404(visible_clients(request.user), pk=pk)
    form = PaymentForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.payment_record(client=client, actor=request.user, **form.cleaned_data)
        except PaymentError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            if request.htmx:  # the panel says so itself
                context = {**client_panel_context(request, client), "recorded": True}
                return render(request, "payments/_client_payments.html", context)
            messages.success(request, _("Payment recorded."))
            return redirect("bookings:client_detail", pk=client.pk)
    context = client_panel_context(request, client, form=form)
    template = "payments/_client_payments.html" if request.htmx else "payments/record.html"
    return render(request, template, context, status=status)


@role_required()
@require_POST
def payment_refund(request, pk: int):
    """Refund part or all of a payment, then back to the page it was asked from; a refused
    refund shows its form again with the reason (422, or 409 past what is left)."""
    payment = get_object_or_404(
        selectors.payments_with_refunded(selectors.payments_visible(request.user)), pk=pk
    )
    form = RefundForm(request.POST)
    back = request.POST.get("next") or ""
    if not (
        back.startswith("/")
        and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    ):
        back = reverse("payments:list")
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_refund(
                payment=payment,
                amount=data["amount"],
                note=data["note"],
                method=data["method"] or None,
                actor=request.user,
            )
        except PaymentError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Refund recorded."))
            return redirect(back)
    context = {"payment": payment, "form": form, "back": back}
    return render(request, "payments/refund.html", context, status=status)
