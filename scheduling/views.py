"""Staff screens for the business's rules, hours, time off, resources and services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import manager_required
from scheduling import selectors, services
from scheduling.errors import SchedulingError
from scheduling.forms import (
    CategoryForm,
    HoursForm,
    ResourceForm,
    ServiceForm,
    SettingsForm,
    TimeOffForm,
)
from scheduling.models import Resource, ResourceCategory, Service, TimeOff, Weekday, WeeklyHours


def _page(request, template: str, partial: str, context: dict, status: int = 200):
    """The whole page, or only its `partial` for htmx requests."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


# --- Settings ------------------------------------------------------------------------------------


@manager_required
def settings_edit(request):
    form = SettingsForm(request.POST or None, request.FILES or None, instance=request.business)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("scheduling:settings")
        return render(request, "scheduling/settings.html", {"form": form}, status=422)
    return render(request, "scheduling/settings.html", {"form": form})


# --- Weekly hours --------------------------------------------------------------------------------


def _hours_context(resource: Resource | None, form: HoursForm | None = None, error_day=None):
    rows = WeeklyHours.objects.filter(resource=resource).order_by("weekday", "start")
    by_day: dict[int, list] = {day: [] for day in Weekday.values}
    for row in rows:
        by_day[row.weekday].append(row)
    days = [
        {
            "value": value,
            "label": label,
            "intervals": by_day[value],
            "form": form if error_day == value else HoursForm(initial={"weekday": value}),
        }
        for value, label in Weekday.choices
    ]
    return {
        "resource": resource,
        "days": days,
        "uses_business_hours": resource and not rows,
        # A post for no day of the week (a hand-made request): its errors still get shown.
        "stray_form": form if form is not None and error_day not in Weekday.values else None,
    }


def _hours_editor(request, resource: Resource | None):
    status = 200
    form, error_day = None, None
    if request.method == "POST":
        form = HoursForm(request.POST)
        if form.is_valid():
            try:
                services.hours_add(resource=resource, **form.cleaned_data)
            except SchedulingError as exc:
                form.add_error(exc.field, exc.message)
        if form.errors:
            status = 422
            error_day = form.cleaned_data.get("weekday", _posted_weekday(request))
        elif not request.htmx:
            return redirect(request.path)
    context = _hours_context(resource, form, error_day)
    return _page(request, "scheduling/hours.html", "hours-editor", context, status)


def _posted_weekday(request) -> int | None:
    try:
        return int(request.POST.get("weekday", ""))
    except ValueError:
        return None


@manager_required
def business_hours(request):
    return _hours_editor(request, None)


@manager_required
def resource_hours(request, pk: int):
    return _hours_editor(request, get_object_or_404(Resource, pk=pk))


@manager_required
@require_POST
def hours_delete(request, pk: int):
    hours = get_object_or_404(WeeklyHours.objects.select_related("resource"), pk=pk)
    resource = hours.resource
    services.hours_remove(hours=hours)
    if request.htmx:
        return _page(request, "scheduling/hours.html", "hours-editor", _hours_context(resource))
    return redirect(
        "scheduling:resource_hours" if resource else "scheduling:hours",
        **({"pk": resource.pk} if resource else {}),
    )


@manager_required
@require_POST
def resource_hours_reset(request, pk: int):
    """Drop a resource's own hours: it follows the business's again."""
    resource = get_object_or_404(Resource, pk=pk)
    WeeklyHours.objects.filter(resource=resource).delete()
    messages.success(request, f"{resource} now follows the business hours.")
    if request.htmx:
        return _page(request, "scheduling/hours.html", "hours-editor", _hours_context(resource))
    return redirect("scheduling:resource_hours", pk=resource.pk)


# --- Time off ------------------------------------------------------------------------------------


@manager_required
def time_off(request):
    label = request.business.label_resource
    form = TimeOffForm(request.POST or None, resource_label=label)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.time_off_create(**form.cleaned_data)
            messages.success(request, "Time off added.")
            if not request.htmx:
                return redirect("scheduling:time_off")
            form = TimeOffForm(resource_label=label)
        else:
            status = 422
    context = {
        "form": form,
        "periods": TimeOff.objects.select_related("resource").order_by("-start"),
    }
    return _page(request, "scheduling/time_off.html", "time-off-panel", context, status)


@manager_required
@require_POST
def time_off_delete(request, pk: int):
    services.time_off_delete(time_off=get_object_or_404(TimeOff, pk=pk))
    messages.success(request, "Time off removed.")
    if request.htmx:
        context = {
            "form": TimeOffForm(resource_label=request.business.label_resource),
            "periods": TimeOff.objects.select_related("resource").order_by("-start"),
        }
        return _page(request, "scheduling/time_off.html", "time-off-panel", context)
    return redirect("scheduling:time_off")


# --- Resource categories -------------------------------------------------------------------------


@manager_required
def categories(request, pk: int | None = None):
    instance = get_object_or_404(ResourceCategory, pk=pk) if pk else None
    form = CategoryForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Category saved.")
            if not request.htmx:
                return redirect("scheduling:categories")
            form = CategoryForm()
        else:
            status = 422
    context = {"form": form, "editing": instance, "categories": ResourceCategory.objects.all()}
    return _page(request, "scheduling/categories.html", "categories-panel", context, status)


@manager_required
@require_POST
def category_delete(request, pk: int):
    category = get_object_or_404(ResourceCategory, pk=pk)
    category.delete()
    messages.success(request, f"Category “{category}” deleted; its members keep working.")
    if request.htmx:
        context = {"form": CategoryForm(), "categories": ResourceCategory.objects.all()}
        return _page(request, "scheduling/categories.html", "categories-panel", context)
    return redirect("scheduling:categories")


# --- Resources -----------------------------------------------------------------------------------


def _resource_list(request):
    context = {"resources": selectors.resource_list().prefetch_related("services")}
    return _page(request, "scheduling/resources.html", "resource-list", context)


@manager_required
def resources(request):
    return _resource_list(request)


@manager_required
def resource_edit(request, pk: int | None = None):
    instance = get_object_or_404(Resource, pk=pk) if pk else None
    form = ResourceForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            resource = form.save()
            messages.success(request, f"{resource} saved.")
            return redirect("scheduling:resources")
        return render(
            request, "scheduling/resource_form.html", {"form": form, "object": instance}, status=422
        )
    return render(request, "scheduling/resource_form.html", {"form": form, "object": instance})


@manager_required
@require_POST
def resource_set_active(request, pk: int, active: bool):
    resource = services.resource_set_active(
        resource=get_object_or_404(Resource, pk=pk), active=active
    )
    messages.success(request, f"{resource} {'reactivated' if active else 'deactivated'}.")
    if request.htmx:
        return _resource_list(request)
    return redirect("scheduling:resources")


# --- Services ------------------------------------------------------------------------------------


def _service_list(request):
    return _page(
        request,
        "scheduling/services.html",
        "service-list",
        {"services": selectors.service_list()},
    )


@manager_required
def service_index(request):
    return _service_list(request)


@manager_required
def service_edit(request, pk: int | None = None):
    instance = get_object_or_404(Service, pk=pk) if pk else None
    label = request.business.label_resource_plural
    form = ServiceForm(request.POST or None, instance=instance, resource_label=label)
    if request.method == "POST":
        if form.is_valid():
            service = form.save()
            messages.success(request, f"{service} saved.")
            return redirect("scheduling:services")
        return render(
            request, "scheduling/service_form.html", {"form": form, "object": instance}, status=422
        )
    return render(request, "scheduling/service_form.html", {"form": form, "object": instance})


@manager_required
@require_POST
def service_set_active(request, pk: int, active: bool):
    service = services.service_set_active(service=get_object_or_404(Service, pk=pk), active=active)
    messages.success(request, f"{service} {'reactivated' if active else 'deactivated'}.")
    if request.htmx:
        return _service_list(request)
    return redirect("scheduling:services")
