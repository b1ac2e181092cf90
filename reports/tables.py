"""The table under each chart, and the same table as CSV: one list of rows, two renderings.

Rows hold plain values (dates, Decimals, numbers, text); a column's kind says how a page shows
them (money in the business's currency, dates in the reader's language) and how the CSV writes
them (ISO dates, plain decimals with a dot, per cents as numbers), so a spreadsheet reads every
language's export alike and the CSV is, row for row, the table on the page.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from bookings.exports import csv_safe
from scheduling.templatetags.agendo_format import format_day, format_money


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, int, money, percent, days, minutes, date, month


@dataclass
class Table:
    name: str  # the CSV link's `table=` and the file's name
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    empty: str = ""  # what an empty table says (default: nothing in the period)

    def shown(self, business) -> list[list[str]]:
        seen: dict = {}  # a year of days repeats few values (zeros above all): each formatted once

        def cell(value, kind: str) -> str:
            key = (kind, value)
            if key not in seen:
                seen[key] = _shown(value, kind, business)
            return seen[key]

        return [
            [cell(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows
        ]

    def body_html(self, business) -> SafeString:
        """The table's rows as HTML, the first cell a row header: built here, not by template
        loops, which took most of a year-long report's time."""
        rows = self.shown(business)
        if not rows:
            return format_html(
                '<tr><td colspan="{}" class="muted">{}</td></tr>',
                len(self.columns),
                self.empty or _("Nothing in this period."),
            )
        return mark_safe(  # noqa: S308 - every cell is escaped by format_html(_join)
            "".join(
                format_html(
                    '<tr><th scope="row">{}</th>{}</tr>',
                    row[0],
                    format_html_join("", '<td class="num">{}</td>', ((cell,) for cell in row[1:])),
                )
                for row in rows
            )
        )

    def csv_rows(self) -> list[list]:
        header = [csv_safe(c.label) for c in self.columns]
        body = [
            [_csv(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows
        ]
        return [header, *body]


def _shown(value, kind: str, business) -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return format_money(value, business)
    if kind == "percent":  # rounded first: number_format cuts a float's decimals off
        return f"{number_format(round(value, 1), 1)} %"
    if kind == "days":
        return number_format(round(value, 1), 1)
    if kind in ("int", "minutes"):
        return number_format(value, 0, force_grouping=True)
    if kind == "date":
        return format_day(value, "short_weekday")
    if kind == "month":
        return format_day(value, "month_abbr") + f" {value.year}"
    return str(value)


def _csv(value, kind: str):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if kind == "month" else value.isoformat()
    if kind == "money":
        return f"{Decimal(value):.2f}"
    if kind in ("percent", "days"):
        return f"{value:.1f}"
    if isinstance(value, str):
        return csv_safe(value)
    return value


def csv_response(table: Table, stamp: str) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table.csv_rows())
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name}-{stamp}.csv"'
    return response
