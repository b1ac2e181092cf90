"""The demo's bookings obey the booking rules: nothing that holds a resource overlaps."""

from django.db import connection
from django.db.models import Count

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import demo
from bookings.models import Booking
from scheduling import demo as scheduling_demo
from scheduling.models import Question


def _overlaps() -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.reference, b.reference FROM bookings_booking a
            JOIN bookings_booking b ON a.resource_id = b.resource_id AND a.id < b.id
             AND a.occupied && b.occupied
            WHERE a.status = ANY(%s) AND b.status = ANY(%s)
            """,
            [list(Booking.OCCUPYING_STATUSES), list(Booking.OCCUPYING_STATUSES)],
        )
        return cursor.fetchall()


def test_the_demo_bookings_never_overlap_and_a_second_run_keeps_them(tenant_alpha, alpha):
    owner, staff = OwnerFactory(), UserFactory()
    scheduling_demo.demo_seed(tenant=tenant_alpha, owner=owner, staff=staff)
    demo.demo_seed(tenant=tenant_alpha, owner=owner, staff=staff)
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses.get("completed", 0) > 10 and statuses.get("confirmed", 0) > 10
    assert _overlaps() == []
    # Some haircuts come with a beard: one booking, two services; and the shop asks a question.
    doubles = Booking.objects.annotate(n=Count("items")).filter(n=2)
    assert doubles.exists()
    assert {b.services_label for b in doubles} == {"Haircut + Beard"}
    assert Question.objects.filter(label="Anything we should know?", required=False).exists()
    count = Booking.objects.count()
    demo.demo_seed(tenant=tenant_alpha, owner=owner, staff=staff)
    assert Booking.objects.count() == count


def test_the_brazilian_demo_has_its_own_clients_typed_as_brazilians_type_them(tenant_alpha, alpha):
    from bookings.models import Client
    from scheduling.models import BusinessSettings

    owner, staff = OwnerFactory(), UserFactory()
    scheduling_demo.demo_seed(tenant=tenant_alpha, owner=owner, staff=staff, language="pt-br")
    demo.demo_seed(tenant=tenant_alpha, owner=owner, staff=staff, language="pt-br")

    assert BusinessSettings.load().language == "pt-br"
    clients = dict(Client.objects.values_list("name", "phone"))
    assert set(clients) == {name for name, _phone in demo.CLIENTES}
    # "(81) 99876-5432" in region BR is stored E.164; one client from abroad keeps her country.
    assert clients["José Ferreira"] == "+5581998765432"
    assert clients["Fábio Nascimento"] == "+351913456789"
    assert all(
        phone.startswith("+55") for name, phone in clients.items() if name != "Fábio Nascimento"
    )
    vip = Client.objects.get(is_vip=True)
    assert (vip.name, vip.tags) == ("Ana Beatriz Carvalho", ["cliente fiel"])
    assert Client.objects.get(name="Vinícius Araújo").email == "vinicius@example.com"
    reasons = set(
        Booking.objects.filter(status="cancelled").values_list("cancellation_reason", flat=True)
    )
    assert reasons <= {"Cliente pediu para cancelar"}
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses.get("completed", 0) > 10 and statuses.get("confirmed", 0) > 10
    assert _overlaps() == []
