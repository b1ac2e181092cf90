"""Reports (/app/reports/) and client analytics (/app/reports/clients/): charts, their tables,
their CSVs. Owners and admins see the business; staff their own resource's figures only."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.decorators import role_required
from billing.limits import module_enabled, module_refusal
from bookings.models import Booking
from bookings.scoping import visible_resources
from reports import charts, selectors
from reports.forms import ReportRangeForm, preset_period
from reports.selectors import Period
from reports.tables import Column, Table, csv_response
from scheduling.templatetags.agendo_format import format_day

STATUS_COLOURS = {
    "completed": "#2e7d32",
    "confirmed": "#1565c0",
    "pending": "#f9a825",
    "no_show": "#c62828",
    "cancelled": "#9e9e9e",
    "expired": "#cfd4da",
}


@dataclass
class Figure:
    table: Table
    chart: str = ""
    legend: list[tuple[str, str]] | None = None  # (colour, name)
    note: str = ""
    body: str = ""  # the table's rows as the page shows them (HTML)


def _scope(request) -> tuple[list, list[int] | None]:
    """The resources the reader may see, and their ids as a filter (None: all, for managers)."""
    resources = list(visible_resources(request.user).order_by("order", "name"))
    return resources, None if request.user.is_manager else [r.pk for r in resources]


def _gate(request):
    """The upsell page when the plan has no reports, else None."""
    if module_enabled("reports"):
        return None
    refusal = module_refusal("reports")
    return render(request, "reports/upsell.html", {"refusal": refusal}, status=refusal.status)


# A page's figures: (the table names a builder makes, the builder). A CSV builds only its own.
Builders = list[tuple[tuple[str, ...], Callable[[], list[Figure]]]]


def _answer(request, template: str, context: Callable[[], dict], builders: Builders, status=200):
    if request.GET.get("format") == "csv":
        wanted = request.GET.get("table", "")
        for names, build in builders:
            if wanted in names:
                (table,) = [f.table for f in build() if f.table.name == wanted]
                return csv_response(table, timezone.localdate().isoformat())
        raise Http404(_("There is no such table."))
    figures = [figure for _names, build in builders for figure in build()]
    page = context()
    for figure in figures:
        figure.body = figure.table.body_html(page.get("business"))
    page.update({"figures": figures, "csv_query": _csv_query(request)})
    return render(request, template, page, status=status)


def _csv_query(request) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    query["format"] = "csv"
    return query.urlencode()


# --- /app/reports/ -----------------------------------------------------------------------------


@role_required()
def report_bookings(request):
    if (upsell := _gate(request)) is not None:
        return upsell
    business = request.business
    form = ReportRangeForm(request.GET or None, initial={"preset": "this_month"})
    today = timezone.localdate()
    context = {"form": form, "business": business, "today": today}
    if request.GET and not form.is_valid():
        return _answer(request, "reports/bookings.html", lambda: context, [], status=400)
    start, end = form.period(today) if form.is_bound else preset_period("this_month", today)
    period = Period(start=start, end=end, timezone=business.timezone)
    resources, ids = _scope(request)

    @functools.cache
    def days():
        return selectors.bookings_by_day(period=period, resource_ids=ids, business=business)

    def page() -> dict:
        summary = selectors.summary_of(days())
        return {**context, "period": period, "summary": summary, "resources": resources}

    builders: Builders = [
        (("bookings-by-day",), lambda: [_bookings_figure(days(), period)]),
        (("revenue-by-day",), lambda: [_revenue_figure(days(), period)]),
        (("rates", "lead-time"), lambda: list(_rates_figures(days()))),
        (
            ("utilisation",),
            lambda: [
                _utilisation_figure(
                    selectors.utilisation_by_resource(
                        period=period, resources=resources, business=business
                    )
                )
            ],
        ),
        (
            ("top-services",),
            lambda: [_services_figure(selectors.top_services(period=period, resource_ids=ids))],
        ),
        (
            ("busy-hours",),
            lambda: [_hours_figure(selectors.busy_hours(period=period, resource_ids=ids))],
        ),
        (
            ("new-returning",),
            lambda: [_clients_figure(selectors.new_and_returning(period=period, resource_ids=ids))],
        ),
    ]
    return _answer(request, "reports/bookings.html", page, builders)


def _day_labels(period: Period) -> list[str]:
    return [format_day(day, "numeric_day_month") for day in period.days]


def _range_words(period: Period) -> dict:
    return {"start": format_day(period.start), "end": format_day(period.end)}


def _bookings_figure(days, period: Period) -> Figure:
    statuses = list(selectors.STATUS_ORDER)
    names = {s: str(Booking.Status(s).label) for s in statuses}
    table = Table(
        "bookings-by-day",
        _("Bookings by day and status"),
        [
            Column(_("Day"), "date"),
            *[Column(names[s], "int") for s in statuses],
            Column(_("Total"), "int"),
        ],
    )
    table.rows = [[d.day, *[d.statuses.get(s, 0) for s in statuses], d.total] for d in days]
    total = sum(d.total for d in days)
    chart = charts.stacked_bars(
        chart_id="bookings-by-day",
        title=table.title,
        desc=_("%(count)s bookings from %(start)s to %(end)s, by day and status.")
        % {"count": total, **_range_words(period)},
        labels=_day_labels(period),
        series=[
            charts.Series(names[s], [d.statuses.get(s, 0) for d in days], STATUS_COLOURS[s])
            for s in statuses
        ],
        x_label=_("Day"),
        y_label=_("Bookings"),
    )
    legend = [(STATUS_COLOURS[s], names[s]) for s in statuses]
    return Figure(table=table, chart=chart, legend=legend)


def _revenue_figure(days, period: Period) -> Figure:
    table = Table(
        "revenue-by-day",
        _("Revenue recorded and booked"),
        [
            Column(_("Day"), "date"),
            Column(_("Recorded (payments)"), "money"),
            Column(_("Booked (prices)"), "money"),
        ],
    )
    table.rows = [[d.day, d.recorded_revenue, d.booked_revenue] for d in days]
    recorded = charts.Series(_("Recorded"), [float(d.recorded_revenue) for d in days], "#2e7d32")
    booked = charts.Series(_("Booked"), [float(d.booked_revenue) for d in days], "#1565c0")
    chart = charts.line(
        chart_id="revenue-by-day",
        title=table.title,
        desc=_(
            "Payments recorded (refunds taken off) and prices of confirmed and completed "
            "bookings, by day, from %(start)s to %(end)s."
        )
        % _range_words(period),
        labels=_day_labels(period),
        series=[recorded, booked],
        x_label=_("Day"),
        y_label=_("Amount"),
    )
    legend = [(recorded.colour, recorded.name), (booked.colour, booked.name)]
    return Figure(table=table, chart=chart, legend=legend)


def _rates_figures(days) -> tuple[Figure, Figure]:
    summary = selectors.summary_of(days)
    table = Table(
        "rates",
        _("No-shows, late cancellations and lead time"),
        [Column(_("Figure")), Column(_("Value"), "percent")],
    )
    rows = [
        (_("No-show rate"), summary.no_show_rate),
        (_("Late-cancellation rate"), summary.late_cancellation_rate),
    ]
    table.rows = [list(row) for row in rows]
    chart = charts.bars(
        chart_id="rates",
        title=table.title,
        desc=_("No-show and late-cancellation rates of the period, in per cent."),
        labels=[str(label) for label, _value in rows],
        values=[value or 0 for _label, value in rows],
        value_label=_("Per cent"),
        colour="#c62828",
        maximum=100,
    )
    lead = Table(
        "lead-time",
        _("Average lead time"),
        [Column(_("Figure")), Column(_("Days"), "days")],
        [[_("Average days between booking and appointment"), summary.average_lead_days]],
    )
    note = _(
        "No-show rate: no-shows of the bookings whose outcome is known (completed or no-show). "
        "Late-cancellation rate: cancellations inside the cancellation window, of all bookings "
        "except expired ones."
    )
    return Figure(table=table, chart=chart, note=note), Figure(table=lead)


def _utilisation_figure(rows) -> Figure:
    table = Table(
        "utilisation",
        _("Utilisation per resource"),
        [
            Column(_("Resource")),
            Column(_("Booked minutes"), "minutes"),
            Column(_("Open minutes"), "minutes"),
            Column(_("Utilisation"), "percent"),
        ],
    )
    table.rows = [[u.resource.name, u.booked_minutes, u.open_minutes, u.rate] for u in rows]
    chart = charts.bars(
        chart_id="utilisation",
        title=table.title,
        desc=_("Booked minutes of each resource over its open minutes (hours less time off)."),
        labels=[u.resource.name for u in rows],
        values=[u.rate or 0 for u in rows],
        value_label=_("Per cent of open time booked"),
        colour="#1565c0",
        maximum=max(100, *[u.rate or 0 for u in rows]) if rows else 100,
    )
    return Figure(table=table, chart=chart)


def _services_figure(rows) -> Figure:
    table = Table(
        "top-services",
        _("Top services"),
        [
            Column(_("Service")),
            Column(_("Times booked"), "int"),
            Column(_("Revenue booked"), "money"),
        ],
    )
    table.rows = [[r["service__name"], r["count"], r["revenue"] or 0] for r in rows]
    chart = charts.bars(
        chart_id="top-services",
        title=table.title,
        desc=_("The services booked most often in the period (each service of a booking counts)."),
        labels=[r["service__name"] for r in rows],
        values=[r["count"] for r in rows],
        value_label=_("Times booked"),
        colour="#6a1b9a",
    )
    return Figure(table=table, chart=chart)


def _hours_figure(grid) -> Figure:
    weekdays = [str(WEEKDAYS_ABBR[n]) for n in range(7)]
    table = Table(
        "busy-hours",
        _("Busiest weekdays and hours"),
        [
            Column(_("Weekday")),
            *[Column(f"{h:02d}", "int") for h in range(24)],
            Column(_("Total"), "int"),
        ],
    )
    table.rows = [[weekdays[n], *grid[n], sum(grid[n])] for n in range(7)]
    chart = charts.heat_map(
        chart_id="busy-hours",
        title=table.title,
        desc=_("Bookings by weekday and starting hour: the darker, the busier."),
        row_labels=weekdays,
        column_labels=[f"{h:02d}" for h in range(24)],
        values=grid,
        x_label=_("Hour"),
    )
    return Figure(table=table, chart=chart)


def _clients_figure(counts) -> Figure:
    table = Table(
        "new-returning",
        _("New and returning clients"),
        [Column(_("Clients")), Column(_("Number"), "int")],
        [
            [pgettext("clients", "New"), counts["new"]],
            [pgettext("clients", "Returning"), counts["returning"]],
        ],
    )
    chart = charts.bars(
        chart_id="new-returning",
        title=table.title,
        desc=_("Clients who booked in the period: first booking ever (new) or not (returning)."),
        labels=[row[0] for row in table.rows],
        values=[row[1] for row in table.rows],
        value_label=_("Clients"),
        colour="#00838f",
    )
    return Figure(table=table, chart=chart)


# --- /app/reports/clients/ ---------------------------------------------------------------------


@role_required()
def report_clients(request):
    if (upsell := _gate(request)) is not None:
        return upsell
    business = request.business
    now = timezone.now()
    _resources, ids = _scope(request)

    @functools.cache
    def analytics():
        return selectors.client_analytics(now=now, resource_ids=ids)

    def services() -> list[Figure]:
        rows = selectors.preferred_services(resource_ids=ids)
        return [
            _preferred_figure(
                "preferred-services",
                _("Preferred services"),
                _("Service"),
                [(r["service__name"], r["clients"], r["visits"]) for r in rows],
            )
        ]

    def resources() -> list[Figure]:
        rows = analytics().resources
        return [
            _preferred_figure(
                "preferred-resources",
                _("Preferred professionals and places"),
                _("Resource"),
                [(r["resource__name"], r["clients"], r["visits"]) for r in rows],
            )
        ]

    def cohorts() -> list[Figure]:
        tz = business.timezone
        return [_cohort_figure(selectors.client_cohorts(now=now, timezone=tz, resource_ids=ids))]

    def page() -> dict:
        return {
            "business": business,
            "overview": analytics().overview,
            "lapsing": analytics().lapsing,
            "active_days": selectors.ACTIVE_DAYS,
            "lapsing_days": selectors.LAPSING_DAYS,
        }

    builders: Builders = [
        (("client-activity",), lambda: [_activity_figure(analytics().overview)]),
        (("visit-frequency",), lambda: [_frequency_figure(analytics().overview)]),
        (("frequent-clients",), lambda: [_frequent_figure(analytics().frequent)]),
        (("preferred-services",), services),
        (("preferred-resources",), resources),
        (("cohorts",), cohorts),
        (("lapsing-clients",), lambda: [_lapsing_figure(analytics().lapsing)]),
    ]
    return _answer(request, "reports/clients.html", page, builders)


def _activity_figure(overview) -> Figure:
    table = Table(
        "client-activity",
        _("Active, lapsing and inactive clients"),
        [Column(_("Clients")), Column(_("Number"), "int")],
        [
            [_("Active (a booking in the last 90 days)"), overview.active],
            [_("Lapsing (last booking 90 to 180 days ago)"), overview.lapsing],
            [_("Inactive (no booking for 180 days, or never)"), overview.inactive],
        ],
    )
    chart = charts.bars(
        chart_id="client-activity",
        title=table.title,
        desc=_("%(total)s clients: %(active)s active, %(lapsing)s lapsing, %(inactive)s inactive.")
        % {
            "total": overview.total,
            "active": overview.active,
            "lapsing": overview.lapsing,
            "inactive": overview.inactive,
        },
        labels=[
            pgettext("clients", "Active"),
            pgettext("clients", "Lapsing"),
            pgettext("clients", "Inactive"),
        ],
        values=[overview.active, overview.lapsing, overview.inactive],
        value_label=_("Clients"),
        colour="#2e7d32",
    )
    return Figure(table=table, chart=chart)


def _frequency_figure(overview) -> Figure:
    def bucket(low, high) -> str:
        if high is None:
            return _("%(low)s or more") % {"low": low}
        return str(low) if low == high else f"{low}–{high}"

    table = Table(
        "visit-frequency",
        _("Visit frequency"),
        [Column(_("Visits")), Column(_("Clients"), "int")],
        [[bucket(low, high), n] for (low, high), n in overview.frequency],
    )
    chart = charts.bars(
        chart_id="visit-frequency",
        title=table.title,
        desc=_("Clients by number of completed visits."),
        labels=[row[0] for row in table.rows],
        values=[row[1] for row in table.rows],
        value_label=_("Clients"),
        colour="#00838f",
    )
    return Figure(table=table, chart=chart)


def _frequent_figure(clients) -> Figure:
    table = Table(
        "frequent-clients",
        _("Most frequent clients"),
        [
            Column(_("Client")),
            Column(_("Visits"), "int"),
            Column(_("Lifetime value"), "money"),
            Column(_("Preferred service")),
            Column(_("Preferred resource")),
            Column(_("Last booking"), "date"),
        ],
    )
    table.rows = [
        [
            c.name,
            c.visits,
            c.lifetime_value or 0,
            c.favourite_service or "",
            c.favourite_resource or "",
            timezone.localdate(c.last) if c.last else None,
        ]
        for c in clients
    ]
    table.empty = _("No visits yet.")
    return Figure(table=table)


def _preferred_figure(name: str, title: str, label: str, rows) -> Figure:
    table = Table(
        name,
        title,
        [Column(label), Column(_("Clients"), "int"), Column(_("Visits"), "int")],
        [list(row) for row in rows],
        empty=_("No visits yet."),
    )
    chart = charts.bars(
        chart_id=name,
        title=title,
        desc=_("How many different clients came for each, most first."),
        labels=[row[0] for row in rows],
        values=[row[1] for row in rows],
        value_label=_("Clients"),
        colour="#6a1b9a",
    )
    return Figure(table=table, chart=chart)


def _cohort_figure(cohorts) -> Figure:
    span = max((len(c.returned) for c in cohorts), default=0)
    table = Table(
        "cohorts",
        _("Clients by month of first booking, and how many came back"),
        [
            Column(_("First booking"), "month"),
            Column(_("Clients"), "int"),
            *[Column(_("Month %(n)s") % {"n": k}, "percent") for k in range(1, span)],
        ],
    )
    table.rows = [
        [c.month, c.size, *[c.rate(k) if k < len(c.returned) else None for k in range(1, span)]]
        for c in cohorts
    ]
    note = _(
        "Month 1 is the month after the first booking: the share of the month's new clients "
        "who booked again that month."
    )
    return Figure(table=table, note=note)


def _lapsing_figure(clients) -> Figure:
    table = Table(
        "lapsing-clients",
        _("Lapsing clients"),
        [
            Column(_("Client")),
            Column(_("Visits"), "int"),
            Column(_("Lifetime value"), "money"),
            Column(_("Last booking"), "date"),
        ],
    )
    table.rows = [
        [c.name, c.visits, c.lifetime_value or 0, timezone.localdate(c.last)] for c in clients
    ]
    return Figure(table=table)
