"""Operators' admin (platform host only): businesses, domains, plans, each business's team."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tenants.utils import schema_context

from accounts import services as account_services
from accounts.errors import AccountError
from accounts.models import User
from billing.limits import PlanLimitError
from tenants import services
from tenants.models import Domain, Plan, Tenant
from tenants.selectors import public_base_url, tenant_primary_domain


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "monthly_price", "max_staff", "max_resources", "is_default"]
    prepopulated_fields = {"code": ["name"]}


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class StaffCreateForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=User.Role.choices, initial=User.Role.OWNER
    )


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "schema_name", "is_active", "plan", "business_type", "created_at"]
    list_filter = ["is_active", "plan", "business_type"]
    search_fields = ["name", "schema_name", "domains__domain", "phone"]
    inlines = [DomainInline]
    actions = ["activate", "deactivate"]
    readonly_fields = ["created_at", "staff_link"]

    def get_readonly_fields(self, request, obj=None):
        # The schema name is the tenant's identity once its schema exists.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "schema_name"] if obj else fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")

    @admin.display(description=gettext_lazy("Staff accounts"))
    def staff_link(self, obj):
        if not obj.pk or obj.is_public:
            return "—"
        url = reverse("admin:tenants_tenant_staff", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Manage the staff accounts of this business")
        )

    @admin.action(description=gettext_lazy("Activate selected businesses"))
    def activate(self, request, queryset):
        for tenant in queryset:
            services.tenant_set_active(tenant=tenant, active=True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d business activated.", "%(count)d businesses activated.", count)
            % {"count": count},
        )

    @admin.action(
        description=gettext_lazy("Deactivate selected businesses (their pages show “closed”)")
    )
    def deactivate(self, request, queryset):
        for tenant in queryset.exclude(schema_name="public"):
            services.tenant_set_active(tenant=tenant, active=False)
        self.message_user(request, _("Selected businesses deactivated."), messages.WARNING)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/staff/", view(self.staff_view), name="tenants_tenant_staff"),
            path(
                "<int:pk>/staff/<int:user_id>/<str:action>/",
                view(self.staff_action_view),
                name="tenants_tenant_staff_action",
            ),
            *super().get_urls(),
        ]

    def _tenant(self, request, pk):
        tenant = get_object_or_404(Tenant.objects.exclude(schema_name="public"), pk=pk)
        if not self.has_change_permission(request, tenant):
            raise PermissionDenied
        return tenant

    def staff_view(self, request, pk):
        tenant = self._tenant(request, pk)
        form = StaffCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            # E-mailed links use the configured public scheme and port, not this request's.
            base_url = public_base_url(domain=tenant_primary_domain(tenant))
            try:
                with schema_context(tenant.schema_name):
                    user = account_services.user_invite(
                        **form.cleaned_data,
                        invited_by=None,
                        base_url=base_url,
                        business_name=tenant.name,
                    )
            except AccountError as exc:
                form.add_error("email", exc.message)
            except PlanLimitError as exc:  # the business's plan has no seat left
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("%(email)s created; an invitation was e-mailed.") % {"email": user.email},
                )
                return redirect("admin:tenants_tenant_staff", pk=tenant.pk)
        with schema_context(tenant.schema_name):
            staff = list(User.objects.order_by("-is_active", "role", "email"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Staff accounts of %(business)s") % {"business": tenant.name},
            "tenant": tenant,
            "staff": staff,
            "form": form,
            "opts": self.model._meta,
            "original": tenant,
        }
        return TemplateResponse(request, "admin/tenants/tenant/staff.html", context)

    def staff_action_view(self, request, pk, user_id, action):
        tenant = self._tenant(request, pk)
        if request.method != "POST" or action not in {"deactivate", "reactivate", "reset"}:
            return redirect("admin:tenants_tenant_staff", pk=tenant.pk)
        with schema_context(tenant.schema_name):
            user = get_object_or_404(User, pk=user_id)
            try:
                if action == "reset":
                    account_services.user_password_reset_send(
                        user=user,
                        base_url=public_base_url(domain=tenant_primary_domain(tenant)),
                        business_name=tenant.name,
                    )
                    note = _("Password reset e-mailed to %(email)s.") % {"email": user.email}
                else:
                    active = action == "reactivate"
                    account_services.user_set_active(actor=None, user=user, active=active)
                    if active:
                        note = _("%(email)s reactivated.") % {"email": user.email}
                    else:
                        note = _("%(email)s deactivated.") % {"email": user.email}
            except (AccountError, PlanLimitError) as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, note)
        return redirect("admin:tenants_tenant_staff", pk=tenant.pk)
