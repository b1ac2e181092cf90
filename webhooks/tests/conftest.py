import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from accounts.tests.factories import OwnerFactory
from billing.models import PlanOverride
from bookings import services as booking_services
from bookings.models import Client
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from webhooks.tests.receiver import start_receiver, stop_receiver

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def hooks_on(tenant_alpha):
    """Alpha's plan (PRO by default) with the webhooks module, as an operator's override."""
    return PlanOverride.objects.create(tenant=tenant_alpha, key="module_webhooks", enabled=True)


@pytest.fixture
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    return settings


@pytest.fixture
def receiver():
    server, _thread = start_receiver()
    yield server
    stop_receiver(server)


@pytest.fixture
def shop(alpha):
    chair = ResourceFactory(name="Rafa")
    cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[chair])
    client = Client.objects.create(name="Ana Souza", phone="+5511912345678", email="ana@x.com")
    owner = OwnerFactory(email="owner@alpha.example.com")
    return {"chair": chair, "cut": cut, "client": client, "owner": owner}


def book(shop, *, days: int = 2, hour: int = 10, **kwargs):
    """A booking `days` from today at `hour` (local), through the service, rules overridden."""
    start = dt.datetime.combine(
        timezone.localdate(timezone.now(), TZ) + dt.timedelta(days=days), dt.time(hour), TZ
    )
    return booking_services.booking_create(
        service=shop["cut"],
        start=start,
        client=shop["client"],
        resource=shop["chair"],
        override=True,
        actor=shop["owner"],
        **kwargs,
    )
