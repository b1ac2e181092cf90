"""The operators' console: the businesses list with plan, status, period and this period's figures;
actions that go through billing.services (each writes its event, with the operator's e-mail);
overrides per business; a platform overview page."""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing import console, services
from billing.models import BillingEvent, PlanOverride, Subscription, SubscriptionEvent
from tenants.admin import TenantAdmin
from tenants.models import Plan, Tenant

Actor = services.Actor
# The figures of the changelist page being rendered (the admin object is shared by requests).
_page_figures: ContextVar[dict] = ContextVar("billing_page_figures", default={})  # noqa: B039


class PlanOverrideInline(admin.TabularInline):
    model = PlanOverride
    extra = 0
    fields = ["key", "limit", "enabled", "note"]


class SubscriptionInline(admin.StackedInline):
    model = Subscription
    can_delete = False
    max_num = 0  # changed through the actions, each with its event
    fields = ["plan", "status", "trial_ends_at", "period", "grace_ends_at", "history"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("period"))
    def period(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return f"{obj.current_period_start:%Y-%m-%d} → {obj.current_period_end:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        events = obj.events.all()[:20]
        rows = format_html_join(
            "",
            "<li>{} · {} → {} · {} · {} {}</li>",
            (
                (
                    f"{e.created_at:%Y-%m-%d %H:%M}",
                    e.from_status or "—",
                    e.to_status,
                    e.reason,
                    e.get_actor_display(),
                    e.actor_email or e.billing_event_id,
                )
                for e in events
            ),
        )
        return format_html("<ul>{}</ul>", rows)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)


admin.site.unregister(Tenant)


@admin.register(Tenant)
class BillingTenantAdmin(TenantAdmin):
    list_display = [
        "name",
        "schema_name",
        "plan",
        "status",
        "period_end",
        "bookings_period",
        "messages_period",
        "last_staff_login",
        "is_active",
    ]
    list_filter = ["subscription__status", "subscription__plan", "is_active", "business_type"]
    inlines = [*TenantAdmin.inlines, SubscriptionInline, PlanOverrideInline]
    actions = [
        *TenantAdmin.actions,
        "extend_trial",
        "suspend",
        "reactivate",
    ]
    change_list_template = "admin/billing/tenant_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("subscription__plan")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:  # this page's businesses: one query per hundred of them
            _page_figures.set(console.figures_for(list(cl.result_list)))
        return response

    def _figure(self, obj, name):
        figures = _page_figures.get().get(obj.pk)
        return getattr(figures, name) if figures else "—"

    def _subscription(self, obj):
        try:
            return obj.subscription
        except Subscription.DoesNotExist:
            return None

    @admin.display(description=gettext_lazy("status"), ordering="subscription__status")
    def status(self, obj):
        sub = self._subscription(obj)
        return sub.get_status_display() if sub else "—"

    @admin.display(description=gettext_lazy("trial or period end"))
    def period_end(self, obj):
        sub = self._subscription(obj)
        if sub is None:
            return "—"
        end = sub.trial_ends_at if sub.status == "trialing" else sub.current_period_end
        return f"{end:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("bookings this period"))
    def bookings_period(self, obj):
        return self._figure(obj, "bookings_period")

    @admin.display(description=gettext_lazy("WhatsApp this period"))
    def messages_period(self, obj):
        return self._figure(obj, "whatsapp_period")

    @admin.display(description=gettext_lazy("last staff login"))
    def last_staff_login(self, obj):
        value = self._figure(obj, "last_login")
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value and value != "—" else "—"

    # --- Actions: each through billing.services, with the operator's e-mail in the event ----

    def get_actions(self, request):
        actions = super().get_actions(request)
        for plan in Plan.objects.order_by("monthly_price"):
            name = f"plan_{plan.code}"
            actions[name] = (
                self._plan_action(plan),
                name,
                _("Change plan to %(plan)s") % {"plan": plan.name},
            )
        return actions

    def _plan_action(self, plan):
        def action(modeladmin, request, queryset):
            self._each(
                request,
                queryset,
                lambda sub: services.subscription_change(
                    subscription=sub,
                    plan=plan,
                    reason=f"plan changed to {plan.code} by an operator",
                    actor=Actor.OPERATOR,
                    actor_email=request.user.email,
                ),
            )

        return action

    def _each(self, request, queryset, change) -> None:
        done, refused = 0, []
        for tenant in queryset.exclude(schema_name="public"):
            sub = self._subscription(tenant)
            if sub is None:
                sub = services.subscription_start(tenant=tenant, actor=Actor.OPERATOR)
            try:
                change(sub)
                done += 1
            except services.BillingError as exc:
                refused.append(f"{tenant.name}: {exc.message}")
        if done:
            message = ngettext("%(n)s business changed.", "%(n)s businesses changed.", done)
            self.message_user(request, message % {"n": done})
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=gettext_lazy("Extend the trial by 14 days"))
    def extend_trial(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda sub: services.subscription_extend_trial(
                subscription=sub, days=14, actor_email=request.user.email
            ),
        )

    @admin.action(description=gettext_lazy("Suspend (asks for a reason)"))
    def suspend(self, request, queryset):
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda sub: services.subscription_suspend(
                    subscription=sub, reason=reason, actor_email=request.user.email
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Suspend businesses"),
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/suspend.html", context)

    @admin.action(description=gettext_lazy("Reactivate (a new period from today)"))
    def reactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda sub: services.subscription_reactivate(
                subscription=sub, actor_email=request.user.email
            ),
        )

    # --- The platform overview ---------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.overview_view)
        return [path("overview/", view, name="billing_overview"), *super().get_urls()]

    def overview_view(self, request):
        started = timezone.now()
        overview = console.platform_overview(now=started)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Platform overview"),
            "overview": overview,
            "seconds": (timezone.now() - started).total_seconds(),
            "opts": self.model._meta,
            "list_url": reverse("admin:tenants_tenant_changelist"),
        }
        return TemplateResponse(request, "admin/billing/overview.html", context)


@admin.register(BillingEvent)
class BillingEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "tenant", "outcome", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "tenant__name", "tenant__schema_name"]
    readonly_fields = ["event_id", "type", "tenant", "payload", "outcome", "received_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SubscriptionEvent)
class SubscriptionEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "from_status", "to_status", "reason", "actor"]
    list_filter = ["actor", "to_status"]
    search_fields = ["subscription__tenant__name", "reason", "actor_email", "billing_event_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
