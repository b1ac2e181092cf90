"""/app/billing/ for owners: the plan, its usage and the change of plan."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import owner_required
from billing import selectors, services
from billing.limits import current_terms
from tenants.models import Plan


@owner_required
def billing_page(request):
    context = selectors.billing_overview()
    return render(request, "billing/billing.html", context)


@owner_required
@require_POST
def plan_change(request):
    terms = current_terms()
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_public=True)
    if terms is None or terms.subscription is None:
        messages.error(request, _("This business has no subscription yet: ask Agendo's team."))
        return redirect("billing:page")
    try:
        services.subscription_change_plan(
            subscription=terms.subscription,
            plan=plan,
            actor=services.Actor.OWNER,
            actor_email=request.user.email,
        )
    except services.BillingError as exc:
        context = {**selectors.billing_overview(), "refusal": exc.message, "wanted": plan}
        return render(request, "billing/billing.html", context, status=exc.status)
    messages.success(
        request,
        _("Your plan is now %(plan)s. The new price is confirmed with your next payment.")
        % {"plan": plan.name},
    )
    return redirect("billing:page")
