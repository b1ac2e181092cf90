"""Clients → Import: a CSV upload checked first (every row, nothing saved), then applied.

The checking and saving are `bookings.imports`' (the same as `manage.py import_clients`); the
file's text waits in the cache between the two steps, bound to the member who uploaded it.
"""

import csv

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import manager_required
from bookings import imports
from bookings.imports import ImportFileError


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 CSV with a header: name and phone required; e-mail, notes, tags, vip, "
            "birth date and WhatsApp consent optional. At most 2 MB and 5,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _page(request, context: dict, status: int = 200):
    return render(request, "bookings/client_import.html", context, status=status)


def _checked(request, text: str, *, dry_run: bool):
    """Run the import on `text` (a dry run or for real): the report, or the file's refusal."""
    columns, rows = imports.upload_rows(text)
    report = imports.client_import_rows(
        rows=rows, region=request.business.phone_region, dry_run=dry_run
    )
    return columns, report


@manager_required
def client_import(request):
    """GET: the upload form. POST with a file: the dry run's report and an Apply button.
    POST with `token`: apply what was checked."""
    if request.method != "POST":
        return _page(request, {"form": ClientImportForm()})

    if "token" in request.POST:
        text = imports.upload_unstash(token=request.POST["token"], user_id=request.user.pk)
        if text is None:
            error = _("That check expired or was already applied: upload the file again.")
            return _page(request, {"form": ClientImportForm(), "error": error}, status=422)
        try:
            _columns, report = _checked(request, text, dry_run=False)
        except ImportFileError as exc:  # checked a moment ago: only a rule change could do this
            return _page(request, {"form": ClientImportForm(), "error": str(exc)}, status=422)
        messages.success(
            request,
            _("Import done: %(created)d created, %(updated)d updated, %(skipped)d skipped.")
            % {
                "created": report.created,
                "updated": report.updated,
                "skipped": len(report.skipped),
            },
        )
        return _page(request, {"form": ClientImportForm(), "report": report, "applied": True})

    form = ClientImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"form": form}, status=422)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > imports.UPLOAD_MAX_BYTES:
            raise ImportFileError(
                _("The file is larger than %(size)d MB; split it in smaller files.")
                % {"size": imports.UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        text = imports.upload_text(upload.read(imports.UPLOAD_MAX_BYTES + 1))
        columns, report = _checked(request, text, dry_run=True)
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return _page(request, {"form": form}, status=422)
    context = {
        "form": ClientImportForm(),
        "report": report,
        "columns": columns,
        "token": imports.upload_stash(text=text, user_id=request.user.pk),
        "file_name": upload.name,
    }
    return _page(request, context)


@manager_required
def client_import_template(request):
    """An example CSV to fill in: the columns the import reads and one row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="clients-template.csv"'
    response.write("\ufeff")  # spreadsheets then open it as UTF-8
    csv.writer(response).writerows(imports.upload_template_rows())
    return response
