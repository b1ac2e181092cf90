"""Staff screens for the business's rules, hours, time off, resources, services and presets."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView

from accounts.decorators import manager_required, owner_required, role_required
from accounts.middleware import user_has_totp
from billing.limits import PlanLimitError
from scheduling import selectors, services
from scheduling.embed import embed_snippets
from scheduling.errors import SchedulingError
from scheduling.forms import (
    CategoryForm,
    PresetServiceFormSet,
    PresetsForm,
    PresetTypeForm,
    QuestionForm,
    ResourceForm,
    ServiceCategoryForm,
    ServiceForm,
    SettingsForm,
    TimeOffForm,
    WeekForm,
)
from scheduling.models import (
    Question,
    Resource,
    ResourceCategory,
    Service,
    ServiceCategory,
    TimeOff,
    Weekday,
    WeeklyHours,
    label_shown,
)
from scheduling.presets import preset_for


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
            services.settings_update(
                business=request.business, actor=request.user, **form.cleaned_data
            )
            messages.success(request, _("Settings saved."))
            return redirect("scheduling:settings")
        return _settings_page(request, form, status=422)
    return _settings_page(request, form)


def _settings_page(request, form, status: int = 200):
    page_url = request.build_absolute_uri("/")
    snippets = embed_snippets(
        page_url=page_url,
        script_url=request.build_absolute_uri(static("js/embed.js")),
        title=_("Book online"),
        button=_("Book now"),
    )
    context = {"form": form, "page_url": page_url, "embed": snippets}
    return render(request, "scheduling/settings.html", context, status=status)


settings_history_moved = RedirectView.as_view(
    pattern_name="accounts:audit", query_string=True, permanent=True
)


# --- Weekly hours --------------------------------------------------------------------------------


def _week_form(resource: Resource | None, business_week) -> WeekForm:
    """The saved week; a resource that follows the business starts from the business's week."""
    if resource is None:
        return WeekForm(week=business_week)
    own_week = services.hours_week_of(resource=resource)
    own = any(own_week.values())
    return WeekForm(week=own_week if own else business_week, own=own)


def _hours_page(request, resource, form: WeekForm, business_week, status: int = 200):
    current = getattr(resource, "pk", None)
    editable = selectors.resource_list_editable_by(user=request.user)
    context = {
        "resource": resource,
        "form": form,
        "business_open": any(business_week.values()),
        "resources": editable.filter(Q(is_active=True) | Q(pk=current)),
    }
    return _page(request, "scheduling/hours.html", "hours-editor", context, status)


def _hours_editor(request, resource: Resource | None):
    """One form for the whole week of the business (resource None) or of one resource.

    Its buttons (add or remove a range, copy Monday) post the form and get it back changed and
    unsaved; only Save writes, the whole week in one transaction.
    """
    business_week = services.hours_week_of(resource=None)
    if request.method != "POST":
        return _hours_page(request, resource, _week_form(resource, business_week), business_week)

    form = WeekForm(request.POST)
    form.own = form.own or resource is None
    if form.action != "save":
        notice = form.apply_action()
        if notice:
            messages.info(request, notice)
        return _hours_page(request, resource, form, business_week)

    if not form.own:
        services.hours_reset(resource=resource, actor=request.user)
        messages.success(request, _("%(name)s follows the business hours.") % {"name": resource})
        return _hours_saved(request, resource)
    if form.is_valid():
        week = form.cleaned_week
        if resource is not None and not any(week.values()):
            form.add_day_error(0, _("Open at least one day, or choose “Use the business hours”."))
        else:
            try:
                services.hours_set_week(resource=resource, week=week, actor=request.user)
            except SchedulingError as exc:
                form.add_day_error(int((exc.field or "day-0").removeprefix("day-")), exc.message)
            else:
                messages.success(request, _("Hours saved."))
                return _hours_saved(request, resource)
    return _hours_page(request, resource, form, business_week, status=422)


def _hours_saved(request, resource: Resource | None):
    if not request.htmx:
        return redirect(request.path)
    business_week = services.hours_week_of(resource=None)
    return _hours_page(request, resource, _week_form(resource, business_week), business_week)


@manager_required
def business_hours(request):
    return _hours_editor(request, None)


@role_required()
def resource_hours(request, pk: int):
    """A resource's week: managers any resource's, a staff member only their own (404 else)."""
    editable = selectors.resource_list_editable_by(user=request.user)
    return _hours_editor(request, get_object_or_404(editable, pk=pk))


@role_required()
def my_hours(request):
    """The staff menu's "My hours": the hours of the member's own resource."""
    own = selectors.resource_list_editable_by(user=request.user)
    if request.user.is_manager:
        return redirect("scheduling:hours")
    first = own.filter(is_active=True).first() or own.first()
    if first is None:
        raise PermissionDenied(_no_own_resource())
    return redirect("scheduling:resource_hours", pk=first.pk)


def _no_own_resource() -> str:
    return _("Your account is not linked to a calendar of its own; ask an owner to link it.")


def _time_off_scope(request):
    """(resources the member may give time off, their periods); 403 for a staff member with no
    resource of their own. Managers: every resource and every period, the business's too."""
    editable = selectors.resource_list_editable_by(user=request.user)
    periods = TimeOff.objects.select_related("resource").order_by("-start")
    if request.user.is_manager:
        return editable, periods
    if not editable.exists():
        raise PermissionDenied(_no_own_resource())
    return editable, periods.filter(resource__in=editable)


def _time_off_form(request, resources, data=None) -> TimeOffForm:
    return TimeOffForm(
        data,
        resource_label=request.business.labels["resource"],
        resources=resources,
        business_wide=request.user.is_manager,
    )


# --- Time off ------------------------------------------------------------------------------------


@role_required()
def time_off(request):
    """Managers: any resource's time off or the whole business's; staff: their own only."""
    resources, periods = _time_off_scope(request)
    form = _time_off_form(request, resources, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.time_off_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Time off added."))
            if not request.htmx:
                return redirect("scheduling:time_off")
            form = _time_off_form(request, resources)
        else:
            status = 422
    context = {"form": form, "periods": periods}
    return _page(request, "scheduling/time_off.html", "time-off-panel", context, status)


@role_required()
@require_POST
def time_off_delete(request, pk: int):
    resources, periods = _time_off_scope(request)
    services.time_off_delete(time_off=get_object_or_404(periods, pk=pk), actor=request.user)
    messages.success(request, _("Time off removed."))
    if request.htmx:
        context = {"form": _time_off_form(request, resources), "periods": periods}
        return _page(request, "scheduling/time_off.html", "time-off-panel", context)
    return redirect("scheduling:time_off")


# --- Categories of resources and of services -----------------------------------------------------


@dataclass(frozen=True)
class CategoryScreen:
    """One categories screen: what it lists, its form, and its URLs' names."""

    kind: str  # "resources" or "services"
    model: type[ResourceCategory | ServiceCategory]
    form: type[forms.ModelForm]
    url: str  # the list, with the form for a new one
    edit_url: str
    delete_url: str


CATEGORY_SCREENS = {
    "resources": CategoryScreen(
        "resources",
        ResourceCategory,
        CategoryForm,
        "scheduling:categories",
        "scheduling:category_edit",
        "scheduling:category_delete",
    ),
    "services": CategoryScreen(
        "services",
        ServiceCategory,
        ServiceCategoryForm,
        "scheduling:service_categories",
        "scheduling:service_category_edit",
        "scheduling:service_category_delete",
    ),
}


def _categories_panel(request, screen: CategoryScreen, form, editing=None, status: int = 200):
    context = {
        "screen": screen,
        "form": form,
        "editing": editing,
        "categories": screen.model.objects.all(),
    }
    return _page(request, "scheduling/categories.html", "categories-panel", context, status)


@manager_required
def categories(request, pk: int | None = None, kind: str = "resources"):
    screen = CATEGORY_SCREENS[kind]
    instance = get_object_or_404(screen.model, pk=pk) if pk else None
    form = screen.form(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if instance is None:
                services.category_create(
                    name=data["name"], order=data["order"], actor=request.user, model=screen.model
                )
            else:
                services.category_update(
                    category=instance, name=data["name"], order=data["order"], actor=request.user
                )
            messages.success(request, _("Category saved."))
            if not request.htmx:
                return redirect(screen.url)
            form, instance = screen.form(), None
        else:
            status = 422
    return _categories_panel(request, screen, form, instance, status)


@manager_required
@require_POST
def category_delete(request, pk: int, kind: str = "resources"):
    screen = CATEGORY_SCREENS[kind]
    category = get_object_or_404(screen.model, pk=pk)
    services.category_delete(category=category, actor=request.user)
    messages.success(
        request,
        _("Category “%(name)s” deleted; its members keep working.") % {"name": category},
    )
    if request.htmx:
        return _categories_panel(request, screen, screen.form())
    return redirect(screen.url)


# --- Resources -----------------------------------------------------------------------------------


def _resource_list(request, refusal: PlanLimitError | None = None):
    """The list; with `refusal` (the plan's limit said no), that said above it, with its 403."""
    context = {
        "resources": selectors.resource_list().prefetch_related("services"),
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return _page(request, "scheduling/resources.html", "resource-list", context, status)


@manager_required
def resources(request):
    return _resource_list(request)


@manager_required
def resource_edit(request, pk: int | None = None):
    instance = get_object_or_404(Resource, pk=pk) if pk else None
    label = request.business.labels["services"]
    form = ResourceForm(request.POST or None, instance=instance, service_label=label)
    context = {"form": form, "object": instance}
    if request.method != "POST":
        return render(request, "scheduling/resource_form.html", context)
    # Adding or removing an attribute row gives the form back, changed and unsaved.
    if "add_attribute" in request.POST:
        form.add_attribute_row()
        return render(request, "scheduling/resource_form.html", context)
    if "remove_attribute" in request.POST:
        index = request.POST["remove_attribute"]
        form.remove_attribute_row(int(index) if index.isdigit() else -1)
        return render(request, "scheduling/resource_form.html", context)
    if not form.is_valid():
        return render(request, "scheduling/resource_form.html", context, status=422)
    data = dict(form.cleaned_data)
    performs = data.pop("services")
    try:
        if instance is None:
            resource = services.resource_create(services=performs, actor=request.user, **data)
        else:
            resource = services.resource_update(
                resource=instance, services=performs, actor=request.user, **data
            )
    except PlanLimitError as exc:
        form.add_error(None, exc.message)
        context["plan_limit"] = True
        return render(request, "scheduling/resource_form.html", context, status=exc.status)
    messages.success(request, _("%(name)s saved.") % {"name": resource})
    return redirect("scheduling:resources")


@manager_required
@require_POST
def resource_set_active(request, pk: int, active: bool):
    try:
        resource = services.resource_set_active(
            resource=get_object_or_404(Resource, pk=pk), active=active, actor=request.user
        )
    except PlanLimitError as exc:
        return _resource_list(request, exc)
    messages.success(request, _active_message(resource, active))
    if request.htmx:
        return _resource_list(request)
    return redirect("scheduling:resources")


# --- Services ------------------------------------------------------------------------------------


def _service_list(request, refusal: PlanLimitError | None = None):
    """The list; with `refusal` (the plan's limit said no), that said above it, with its 403."""
    rows = list(selectors.service_list())
    # Offered online but nobody (active) performs it: hidden from clients, so say so.
    orphans = {
        s.pk
        for s in rows
        if s.is_active and s.is_public and not any(r.is_active for r in s.resources.all())
    }
    context = {"services": rows, "orphan_ids": orphans, "refusal": refusal}
    status = refusal.status if refusal else 200
    return _page(request, "scheduling/services.html", "service-list", context, status)


@manager_required
def service_index(request):
    return _service_list(request)


@manager_required
def service_edit(request, pk: int | None = None):
    instance = get_object_or_404(Service, pk=pk) if pk else None
    label = request.business.labels["resources"]
    form = ServiceForm(
        request.POST or None, request.FILES or None, instance=instance, resource_label=label
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            performers = data.pop("resources")
            try:
                if instance is None:
                    service = services.service_create(
                        resources=performers, actor=request.user, **data
                    )
                else:
                    service = services.service_update(
                        service=instance, resources=performers, actor=request.user, **data
                    )
            except PlanLimitError as exc:
                form.add_error(None, exc.message)
                context = {"form": form, "object": instance, "plan_limit": True}
                return render(request, "scheduling/service_form.html", context, status=exc.status)
            messages.success(request, _("%(name)s saved.") % {"name": service})
            return redirect("scheduling:services")
        return render(
            request, "scheduling/service_form.html", {"form": form, "object": instance}, status=422
        )
    return render(request, "scheduling/service_form.html", {"form": form, "object": instance})


@manager_required
@require_POST
def service_set_active(request, pk: int, active: bool):
    try:
        service = services.service_set_active(
            service=get_object_or_404(Service, pk=pk), active=active, actor=request.user
        )
    except PlanLimitError as exc:
        return _service_list(request, exc)
    messages.success(request, _active_message(service, active))
    if request.htmx:
        return _service_list(request)
    return redirect("scheduling:services")


def _active_message(obj, active: bool) -> str:
    if active:
        return _("%(name)s reactivated.") % {"name": obj}
    return _("%(name)s deactivated.") % {"name": obj}


# --- Presets (right after sign-up) ---------------------------------------------------------------


def _presets_forms(business_type: str, language: str, owner, data=None):
    preset = preset_for(business_type, language=language)
    initial = [
        {"include": True, "name": s.name, "duration_minutes": s.duration_minutes, "price": s.price}
        for s in preset.services
    ]
    resource_name = preset.resource_name if not preset.owner_is_resource else owner.full_name
    form = PresetsForm(
        data,
        initial={
            "business_type": preset.business_type,
            "resource_name": resource_name or owner.get_short_name(),
            "hours": True,
        },
    )
    formset = PresetServiceFormSet(data, initial=initial, prefix="service")
    return preset, form, formset


@manager_required
def setup_presets(request):
    """What the business's type suggests (services, hours, labels, a first resource), for the
    owner to review and accept or skip; nothing is created until they submit."""
    business = request.business
    decided = business.presets_decided_at is not None
    status, plan_limit = 200, False
    if request.method == "POST":
        if decided:
            messages.info(request, _("The suggested setup was already accepted or skipped."))
            return redirect("bookings:dashboard")
        if "skip" in request.POST:
            services.presets_skip(actor=request.user)
            messages.success(request, _("Skipped. Set things up from the checklist when you like."))
            return redirect("bookings:dashboard")
        business_type = request.POST.get("business_type", "")
        preset, form, formset = _presets_forms(
            business_type, business.language, request.user, request.POST
        )
        if form.is_valid() and formset.is_valid():
            chosen = [f.preset_service() for f in formset.forms if f.cleaned_data.get("include")]
            try:
                result = services.presets_apply(
                    business_type=form.cleaned_data["business_type"],
                    owner=request.user,
                    services=chosen,
                    hours=form.cleaned_data["hours"],
                    resource_name=form.cleaned_data["resource_name"],
                )
            except SchedulingError as exc:
                messages.error(request, exc.message)
                return redirect("bookings:dashboard")
            except PlanLimitError as exc:  # nothing was created: the owner may choose fewer
                form.add_error(None, exc.message)
                plan_limit, status = True, exc.status
            else:
                messages.success(request, _presets_summary(result, business))
                return redirect("bookings:dashboard")
        else:
            status = 422
    else:
        type_form = PresetTypeForm(request.GET or None)
        business_type = (
            type_form.cleaned_data["type"]
            if type_form.is_bound and type_form.is_valid()
            else request.tenant.business_type
        )
        preset, form, formset = _presets_forms(business_type, business.language, request.user)
    context = {
        "decided": decided,
        "preset": preset,
        "form": form,
        "formset": formset,
        "type_form": PresetTypeForm(initial={"type": preset.business_type}),
        "hours_rows": _preset_hours_rows(preset),
        # The preset's words as the business will show them (defaults in the reader's language).
        "preset_labels": {
            name: label_shown(getattr(preset.labels, name))
            for name in (
                "resource",
                "resource_plural",
                "service",
                "service_plural",
                "client",
                "client_plural",
            )
        },
        "has_hours": WeeklyHours.objects.filter(resource__isnull=True).exists(),
        "plan_limit": plan_limit,
    }
    return _page(request, "scheduling/presets.html", "presets-panel", context, status)


def _preset_hours_rows(preset) -> list[tuple[str, str]]:
    return [
        (
            label,
            ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in preset.hours.get(value, ()))
            or _("Closed"),
        )
        for value, label in Weekday.choices
    ]


def _presets_summary(result: services.PresetsResult, business) -> str:
    count = len(result.services)
    values = {
        "count": count,
        "what": business.labels["service" if count == 1 else "services"],
        "resource": result.resource,
    }
    if result.hours_set:
        text = ngettext(
            "Ready: %(count)d %(what)s, %(resource)s and your opening hours. Check the list "
            "below for what is left.",
            "Ready: %(count)d %(what)s, %(resource)s and your opening hours. Check the list "
            "below for what is left.",
            count,
        )
    else:
        text = ngettext(
            "Ready: %(count)d %(what)s, %(resource)s. Check the list below for what is left.",
            "Ready: %(count)d %(what)s, %(resource)s. Check the list below for what is left.",
            count,
        )
    return text % values


@require_POST
@owner_required
def settings_two_factor(request):
    """The owner requires (or stops requiring) two-factor authentication for the whole team."""
    required = request.POST.get("required") == "on"
    if required and not user_has_totp(request.user):
        messages.error(
            request, _("Set up two-factor authentication for yourself first, then require it.")
        )
        return redirect("accounts:team")
    services.settings_update(
        business=request.business, actor=request.user, require_two_factor=required
    )
    messages.success(
        request,
        _("Two-factor authentication is now required for the whole team.")
        if required
        else _("Two-factor authentication is no longer required."),
    )
    return redirect("accounts:team")


# --- Questions of the booking form ---------------------------------------------------------------


def _questions_panel(request, form, editing=None, status: int = 200):
    context = {
        "form": form,
        "editing": editing,
        "questions": Question.objects.prefetch_related("services"),
    }
    return _page(request, "scheduling/questions.html", "questions-panel", context, status)


@manager_required
def questions(request, pk: int | None = None):
    """The business's questions: the list, and a form for a new one or the one being edited."""
    instance = get_object_or_404(Question, pk=pk) if pk else None
    form = QuestionForm(request.POST or None, instance=instance)
    if request.method != "POST":
        return _questions_panel(request, form, instance)
    if not form.is_valid():
        return _questions_panel(request, form, instance, status=422)
    data = form.cleaned_data
    fields = {name: data[name] for name in services.QUESTION_FIELDS}
    if instance is None:
        services.question_create(services=data["services"], actor=request.user, **fields)
    else:
        services.question_update(
            question=instance, services=data["services"], actor=request.user, **fields
        )
    messages.success(request, _("Question saved."))
    if not request.htmx:
        return redirect("scheduling:questions")
    return _questions_panel(request, QuestionForm())


@manager_required
@require_POST
def question_delete(request, pk: int):
    question = get_object_or_404(Question, pk=pk)
    services.question_delete(question=question, actor=request.user)
    messages.success(
        request,
        _("Question “%(label)s” deleted; answers already given stay.") % {"label": question},
    )
    if request.htmx:
        return _questions_panel(request, QuestionForm())
    return redirect("scheduling:questions")
