"""Create (idempotently) the platform tenant, the `demo` business, its team and an operator."""

import os
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import User
from tenants.models import Domain, Plan, Tenant
from tenants.signals import demo_tenant_seeded

DEMO_SLUG = "demo"


def _user_upsert(*, email: str, password: str, full_name: str, **fields) -> User:
    user, _ = User.objects.update_or_create(
        email=email, defaults={"full_name": full_name, "is_active": True, **fields}
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


class Command(BaseCommand):
    help = "Create or refresh the demo business and the operator account; print URLs and logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("WEB_PORT", "8000"))

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        base = settings.BASE_DOMAIN

        with schema_context(get_public_schema_name()), transaction.atomic():
            public, _ = Tenant.objects.get_or_create(
                schema_name=get_public_schema_name(), defaults={"name": "Agendo"}
            )
            Domain.objects.get_or_create(
                domain=base, defaults={"tenant": public, "is_primary": True}
            )
            operator = _user_upsert(
                email=f"admin@{base}",
                password=password,
                full_name="Platform operator",
                is_staff=True,
                is_superuser=True,
                role=User.Role.OWNER,
            )

        demo = Tenant.objects.filter(schema_name=DEMO_SLUG).first()
        if demo is None:
            # Creating the schema runs its migrations; it commits on its own.
            demo = Tenant(
                schema_name=DEMO_SLUG,
                name="Barbearia Demo",
                timezone="America/Sao_Paulo",
                business_type=Tenant.BusinessType.BARBER,
                plan=Plan.objects.filter(code="pro").first(),
            )
            demo.save(verbosity=0)
        Domain.objects.get_or_create(
            domain=f"{DEMO_SLUG}.{base}", defaults={"tenant": demo, "is_primary": True}
        )

        with schema_context(demo.schema_name), transaction.atomic():
            owner = _user_upsert(
                email=f"owner@{DEMO_SLUG}.{base}",
                password=password,
                full_name="Olivia Owner",
                role=User.Role.OWNER,
            )
            staff = _user_upsert(
                email=f"staff@{DEMO_SLUG}.{base}",
                password=password,
                full_name="Sam Staff",
                role=User.Role.STAFF,
            )
            demo_tenant_seeded.send(sender=self.__class__, tenant=demo, owner=owner, staff=staff)

        port = options["port"]
        host = lambda name: f"http://{name}:{port}"  # noqa: E731
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f"""
  Platform (landing, sign-up): {host(base)}/
  Demo booking page:           {host(DEMO_SLUG + "." + base)}/
  Demo dashboard:              {host(DEMO_SLUG + "." + base)}/app/
      owner  {owner.email}  /  {password}
      staff  {staff.email}  /  {password}
  Operators' admin:            {host(base)}/admin/
      operator  {operator.email}  /  {password}
"""
        )
