"""Create (idempotently) the platform tenant, the two demo businesses, their teams and an
operator: `demo` in English and `barbearia` in Brazilian Portuguese, both in São Paulo, in reais.
"""

import os
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import User
from tenants.models import Domain, Plan, Tenant
from tenants.signals import demo_tenant_seeded

DEMO_SLUG = "demo"
BARBEARIA_SLUG = "barbearia"


@dataclass(frozen=True)
class DemoBusiness:
    slug: str
    name: str
    language: str  # its pages, messages and e-mails; its members' too (their own is blank)
    owner_name: str
    staff_name: str
    title: str  # how the printed URLs call it


DEMOS = (
    DemoBusiness(DEMO_SLUG, "Demo Barbershop", "en", "Olivia Owner", "Sam Staff", "Demo"),
    DemoBusiness(
        BARBEARIA_SLUG,
        "Barbearia Vila Madalena",
        "pt-br",
        "Marcos Almeida",
        "Thiago Santos",
        "Barbearia (pt-BR)",
    ),
)


def _subscription_pro_active(tenant: Tenant) -> None:
    """The demo businesses are on PRO and paid up (SPEC §10): whatever an earlier run or a test
    of the billing page left, a seed puts them back."""
    from billing import services as billing
    from billing.models import Subscription

    pro = Plan.objects.get(code="pro")
    subscription = Subscription.objects.filter(tenant=tenant).first()
    if subscription is None:
        subscription = billing.subscription_start(tenant=tenant, plan=pro, actor="system")
    if subscription.status != "active" or subscription.plan_id != pro.pk:
        billing.subscription_activate(
            subscription=subscription, plan=pro, actor="system", reason="demo seed"
        )


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
    help = "Create or refresh the demo businesses and the operator account; print URLs and logins."

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

        port = options["port"]
        host = lambda name: f"http://{name}:{port}"  # noqa: E731
        # (label, URL) rows, and login lines under them
        rows: list[tuple[str, str] | str] = [("Platform (landing, sign-up):", f"{host(base)}/")]
        for spec in DEMOS:
            owner, staff = self._business_seed(spec, password=password, base=base)
            domain = host(f"{spec.slug}.{base}")
            rows += [
                (f"{spec.title} booking page:", f"{domain}/"),
                (f"{spec.title} dashboard:", f"{domain}/app/"),
                f"owner  {owner.email}  /  {password}",
                f"staff  {staff.email}  /  {password}",
            ]
        rows += [
            ("Operators' admin:", f"{host(base)}/admin/"),
            f"operator  {operator.email}  /  {password}",
        ]
        width = max(len(row[0]) for row in rows if isinstance(row, tuple)) + 1
        lines = [
            f"  {row[0]:<{width}}{row[1]}" if isinstance(row, tuple) else f"      {row}"
            for row in rows
        ]
        self.stdout.write(self.style.SUCCESS("Demo ready.") + "\n" + "\n".join(lines) + "\n")

    def _business_seed(self, spec: DemoBusiness, *, password: str, base: str):
        tenant = Tenant.objects.filter(schema_name=spec.slug).first()
        if tenant is None:
            # Creating the schema runs its migrations; it commits on its own.
            tenant = Tenant(
                schema_name=spec.slug,
                name=spec.name,
                timezone="America/Sao_Paulo",
                business_type=Tenant.BusinessType.BARBER,
                plan=Plan.objects.filter(code="pro").first(),
            )
            tenant.save(verbosity=0)
        elif tenant.name != spec.name:  # the demo was "Barbearia Demo" before it spoke English
            Tenant.objects.filter(pk=tenant.pk).update(name=spec.name)
            tenant.name = spec.name
        Domain.objects.get_or_create(
            domain=f"{spec.slug}.{base}", defaults={"tenant": tenant, "is_primary": True}
        )
        _subscription_pro_active(tenant)

        with schema_context(tenant.schema_name), transaction.atomic():
            owner = _user_upsert(
                email=f"owner@{spec.slug}.{base}",
                password=password,
                full_name=spec.owner_name,
                role=User.Role.OWNER,
            )
            staff = _user_upsert(
                email=f"staff@{spec.slug}.{base}",
                password=password,
                full_name=spec.staff_name,
                role=User.Role.STAFF,
            )
            demo_tenant_seeded.send(
                sender=self.__class__,
                tenant=tenant,
                owner=owner,
                staff=staff,
                language=spec.language,
            )
        return owner, staff
