from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.services import login_link_token
from tenants import services
from tenants.errors import SignupError
from tenants.forms import SignupForm
from tenants.selectors import tenant_base_url


def landing(request):
    return render(request, "tenants/landing.html")


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method != "POST":
        return render(request, "tenants/signup.html", {"form": form})
    if form.is_valid():
        try:
            tenant, owner = services.tenant_signup(**form.cleaned_data)
        except SignupError as exc:
            form.add_error(exc.field, exc.message)
        else:
            with schema_context(tenant.schema_name):
                token = login_link_token(user=owner)
            base_url = tenant_base_url(
                request=request, domain=services.tenant_domain_for(tenant.slug)
            )
            path = reverse(
                "accounts:login_link", kwargs={"token": token}, urlconf="config.urls_tenants"
            )
            return HttpResponseRedirect(base_url + path)
    return render(request, "tenants/signup.html", {"form": form}, status=422)
