"""E-mail to a business's owners, in the business's language, with links to its own host."""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import schema_context

from tenants.models import Tenant
from tenants.selectors import public_base_url, tenant_primary_domain


def owners_mail(tenant: Tenant, *, subject: Callable[[], str], template: str, context: dict) -> int:
    """Render `template` (with `context` plus `business_name` and `base_url`) and `subject()`
    in the business's language and send it to its active owners; how many were written to."""
    from accounts.models import User
    from scheduling.models import BusinessSettings

    with schema_context(tenant.schema_name):
        owners = list(
            User.objects.filter(role=User.Role.OWNER, is_active=True).values_list(
                "email", flat=True
            )
        )
        business = BusinessSettings.objects.filter(pk=1).only("language").first()
    if not owners:
        return 0
    base = public_base_url(domain=tenant_primary_domain(tenant))
    with translation.override(business.language if business else settings.LANGUAGE_CODE):
        context = {"business_name": tenant.name, "base_url": base, **context}
        body = render_to_string(template, context)
        subject_line = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject()
    send_mail(subject_line, body, None, owners)
    return len(owners)
