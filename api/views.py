"""Settings → API (owners and admins): the business's API keys, a new key's secret shown once."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import manager_required
from api import services
from api.forms import ApiKeyForm
from api.models import ApiKey
from billing.limits import module_enabled

NEW_KEY_SESSION = "api_new_key"


@manager_required
def key_list(request):
    form = ApiKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            key, token = services.api_key_create(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                created_by=request.user,
            )
            # Shown on the next page only: a reload or the back button never shows it again.
            request.session[NEW_KEY_SESSION] = {"id": key.pk, "token": token}
            return redirect("api_keys:list")
        status = 422
    new = request.session.pop(NEW_KEY_SESSION, None)
    context = {
        "form": form,
        "keys": ApiKey.objects.select_related("created_by", "revoked_by"),
        "new_token": new["token"] if new else None,
        "new_key_id": new["id"] if new else None,
        "module_on": module_enabled("api"),
    }
    return render(request, "api/keys.html", context, status=status)


@manager_required
@require_POST
def key_revoke(request, pk: int):
    key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(api_key=key, actor=request.user)
    messages.success(request, _("Key “%(name)s” revoked: it no longer works.") % {"name": key.name})
    return redirect("api_keys:list")
