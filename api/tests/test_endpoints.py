"""Every endpoint's happy path, and its refusals in the one error shape."""

import datetime as dt

import time_machine

from api.tests.conftest import error_of, local, next_weekday
from bookings.models import Booking, BookingEvent, Client
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.models import ResourceCategory


def _book(api, world, day, hour=10, **extra):
    payload = {
        "service": world["cut"].pk,
        "start": local(day, hour),
        "new_client": {"name": "Maria Silva", "phone": "(11) 98765-4321"},
        **extra,
    }
    return api.post_json("/api/v1/bookings", payload)


# --- Catalogue -----------------------------------------------------------------------------------


def test_services_resources_categories(api, world):
    world["ana"].category = ResourceCategory.objects.create(name="Barbers")
    world["ana"].save()
    services = api.get("/api/v1/services").json()
    assert services[0]["name"] == "Cut" and services[0]["price"] == "40.00"
    assert services[0]["resource_ids"] == sorted([world["ana"].pk, world["bia"].pk])
    resources = api.get("/api/v1/resources").json()
    assert [r["name"] for r in resources] == ["Ana", "Bia"]
    assert resources[0]["service_ids"] == [world["cut"].pk]
    assert resources[0]["category_id"] is not None
    assert api.get("/api/v1/categories").json() == [
        {"id": world["ana"].category_id, "name": "Barbers", "order": 0}
    ]


# --- Availability --------------------------------------------------------------------------------


def test_availability_of_any_and_of_one_resource(api, world):
    day = next_weekday(1)
    query = f"service={world['cut'].pk}&date_from={day}&date_to={day}"
    body = api.get(f"/api/v1/availability?{query}").json()
    assert body["timezone"] == "America/Sao_Paulo" and body["service_id"] == world["cut"].pk
    [only] = body["days"]
    assert only["date"] == day.isoformat()
    first = only["slots"][0]
    assert first["start"].startswith(f"{day}T09:00:00") and first["start"].endswith("-03:00")
    assert first["resource_ids"] == sorted([world["ana"].pk, world["bia"].pk])
    assert len(only["slots"]) == 16  # 09:00 … 16:30 every 30 minutes

    _book(api, world, day, 9, resource=world["ana"].pk)
    body = api.get(f"/api/v1/availability?{query}&resource={world['ana'].pk}").json()
    starts = [s["start"][11:16] for s in body["days"][0]["slots"]]
    assert "09:00" not in starts and "09:30" in starts
    assert {tuple(s["resource_ids"]) for s in body["days"][0]["slots"]} == {(world["ana"].pk,)}


def test_availability_for_a_month(api, world):
    start = next_weekday(0)
    end = start + dt.timedelta(days=30)
    body = api.get(
        f"/api/v1/availability?service={world['cut'].pk}&date_from={start}&date_to={end}"
    ).json()
    assert len(body["days"]) >= 25  # Sundays are closed


def test_availability_refusals(api, world):
    day = next_weekday(1)
    cut = world["cut"].pk
    too_long = api.get(
        f"/api/v1/availability?service={cut}&date_from={day}&date_to={day + dt.timedelta(days=62)}"
    )
    assert too_long.status_code == 422 and error_of(too_long)["field"] == "date_to"
    reversed_ = api.get(
        f"/api/v1/availability?service={cut}&date_from={day}&date_to={day - dt.timedelta(days=1)}"
    )
    assert error_of(reversed_)["code"] == "validation"
    missing = api.get(f"/api/v1/availability?service=999999&date_from={day}&date_to={day}")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    for bad in ("2030-02-30", "9999-12-31", "0001-01-01", "tomorrow", "2030-1-1T"):
        response = api.get(f"/api/v1/availability?service={cut}&date_from={bad}&date_to={day}")
        assert response.status_code == 422, bad
        assert error_of(response)["field"] == "date_from"


# --- Bookings ------------------------------------------------------------------------------------


def test_create_get_and_list_a_booking(api, world, owner):
    day = next_weekday(2)
    response = _book(api, world, day, 11, client_notes="First time")
    assert response.status_code == 201, response.content
    body = response.json()
    booking = Booking.objects.get(reference=body["reference"])
    assert booking.created_by == owner and booking.status == "confirmed"
    assert booking.client.phone == "+5511987654321" and body["client_notes"] == "First time"
    assert body["start"].startswith(f"{day}T14:00:00")  # 11:00 in São Paulo, given in UTC
    assert BookingEvent.objects.get(booking=booking).type == "created"
    got = api.get(f"/api/v1/bookings/{body['reference'].lower()}")
    assert got.status_code == 200 and got.json() == body
    listed = api.get("/api/v1/bookings").json()
    assert [b["reference"] for b in listed["items"]] == [body["reference"]]
    assert listed["next_cursor"] is None


def test_create_for_an_existing_client_on_any_resource(api, world):
    client = ClientFactory()
    day = next_weekday(3)
    first = api.post_json(
        "/api/v1/bookings",
        {"service": world["cut"].pk, "start": local(day, 10), "client": client.pk},
    )
    second = api.post_json(
        "/api/v1/bookings",
        {"service": world["cut"].pk, "start": local(day, 10), "client": client.pk},
    )
    assert first.status_code == second.status_code == 201
    assert {first.json()["resource_id"], second.json()["resource_id"]} == {
        world["ana"].pk,
        world["bia"].pk,
    }
    third = api.post_json(
        "/api/v1/bookings",
        {"service": world["cut"].pk, "start": local(day, 10), "client": client.pk},
    )
    assert third.status_code == 409 and error_of(third)["code"] == "no_resource_free"


def test_a_taken_slot_is_409(api, world):
    day = next_weekday(2)
    assert _book(api, world, day, 10, resource=world["ana"].pk).status_code == 201
    again = _book(api, world, day, 10, resource=world["ana"].pk)
    assert again.status_code == 409
    assert error_of(again)["code"] == "slot_taken"


def test_service_rules_are_422_with_their_codes(api, world):
    day = next_weekday(2)
    closed = _book(api, world, day, 20, resource=world["ana"].pk)
    assert closed.status_code == 422 and error_of(closed)["code"] == "outside_hours"
    phone = api.post_json(
        "/api/v1/bookings",
        {
            "service": world["cut"].pk,
            "start": local(day, 10),
            "new_client": {"name": "X", "phone": "123"},
        },
    )
    assert phone.status_code == 422
    assert error_of(phone) | {"message": ""} == {
        "code": "invalid_phone",
        "field": "phone",
        "message": "",
    }


def test_create_input_refusals(api, world):
    day = next_weekday(2)
    cut = world["cut"].pk
    cases = {
        "service": {"service": 999999, "start": local(day, 10), "client": 1},
        "start": {"service": cut, "start": f"{day}T10:00:00", "client": 1},  # no offset
        "client": {"service": cut, "start": local(day, 10), "client": 999999},
        "resource": {"service": cut, "start": local(day, 10), "client": 1, "resource": 999999},
    }
    ClientFactory(pk=1)
    for field, payload in cases.items():
        response = api.post_json("/api/v1/bookings", payload)
        assert response.status_code == 422, (field, response.content)
        assert error_of(response)["field"] == field
    both = api.post_json(
        "/api/v1/bookings",
        {"service": cut, "start": local(day, 10), "client": 1, "new_client": {"name": "a",
                                                                               "phone": "1"}},
    )  # fmt: skip
    assert error_of(both)["code"] == "validation"
    assert not Booking.objects.exists()


def test_hostile_input_is_4xx(api, world):
    cut = world["cut"].pk
    hostile = [
        {"service": cut, "start": "9999-12-31T23:59:59-12:00", "client": 1},
        {"service": cut, "start": "0001-01-01T00:00:00+14:00", "client": 1},
        {"service": cut, "start": "2030-02-30T10:00:00Z", "client": 1},
        {"service": cut, "start": "2030-01-01T10:00:00+99:00", "client": 1},
        {"service": 2**70, "start": "2030-01-01T10:00:00Z", "client": 1},
        {"service": cut, "start": "2030-01-01T10:00:00Z", "new_client": {"name": "a\x00",
                                                                          "phone": "1"}},
        {"service": cut, "start": "2030-01-01T10:00:00Z", "client": 1, "internal_notes": "\x00"},
    ]  # fmt: skip
    for payload in hostile:
        response = api.post_json("/api/v1/bookings", payload)
        assert response.status_code == 422, (payload, response.content)
        error_of(response)
    bad_json = api.post("/api/v1/bookings", b"{not json", content_type="application/json")
    assert bad_json.status_code == 400 and error_of(bad_json)["code"] == "bad_request"
    for nul in ("/api/v1/bookings?client=%00", "/api/v1/bookings/AB%00CD"):
        refused = api.get(nul)  # the NUL guard answers before the API, in its error shape
        assert refused.status_code == 400 and error_of(refused)["code"] == "bad_request"
    assert api.get("/api/v1/bookings?date_from=99999-01-01").status_code == 422
    assert api.get("/api/v1/bookings?resource=99999999999999999999").status_code == 422
    assert error_of(api.get("/api/v1/bookings/" + "Z" * 300))["code"] == "not_found"
    assert error_of(api.get("/api/v1/clients/0"))["code"] == "validation"
    assert error_of(api.get("/api/v1/clients/99999999"))["code"] == "not_found"


def test_reschedule_cancel_confirm(api, world):
    day = next_weekday(2)
    reference = _book(api, world, day, 10, resource=world["ana"].pk).json()["reference"]
    moved = api.post_json(
        f"/api/v1/bookings/{reference}/reschedule",
        {"start": local(day, 15), "resource": world["bia"].pk},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["resource_id"] == world["bia"].pk
    assert moved.json()["start"].startswith(f"{day}T18:00:00")
    # Confirming a confirmed booking is not a move of the state machine.
    refused = api.post_json(f"/api/v1/bookings/{reference}/confirm")
    assert refused.status_code == 409 and error_of(refused)["code"] == "invalid_transition"
    cancelled = api.post_json(f"/api/v1/bookings/{reference}/cancel", {"reason": "Sick"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "Sick"
    again = api.post_json(f"/api/v1/bookings/{reference}/reschedule", {"start": local(day, 16)})
    assert again.status_code == 409
    types = list(
        BookingEvent.objects.filter(booking__reference=reference).values_list("type", flat=True)
    )
    assert types == ["created", "rescheduled", "cancelled"]


def test_cancel_without_a_body(api, world):
    reference = _book(api, world, next_weekday(2)).json()["reference"]
    response = api.generic("POST", f"/api/v1/bookings/{reference}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"


def test_confirm_a_pending_booking_then_complete_and_no_show(api, world):
    pending = BookingFactory(
        service=world["cut"],
        resource=world["ana"],
        status="pending",
        start=dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC),
    )
    confirmed = api.post_json(f"/api/v1/bookings/{pending.reference}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    early = api.post_json(f"/api/v1/bookings/{pending.reference}/complete")
    assert early.status_code == 422 and error_of(early)["code"] == "not_started"
    other = BookingFactory(
        service=world["cut"],
        resource=world["bia"],
        start=dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC),
    )
    with time_machine.travel(dt.datetime(2030, 3, 5, 14, tzinfo=dt.UTC)):
        done = api.post_json(f"/api/v1/bookings/{pending.reference}/complete")
        missed = api.post_json(f"/api/v1/bookings/{other.reference}/no-show")
    assert done.json()["status"] == "completed"
    assert missed.json()["status"] == "no_show"


def test_list_filters(api, world):
    ana, bia, cut = world["ana"], world["bia"], world["cut"]
    maria = ClientFactory(name="Maria")
    base = dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC)  # 10:00 in São Paulo
    b1 = BookingFactory(service=cut, resource=ana, client=maria, start=base)
    b2 = BookingFactory(service=cut, resource=bia, start=base, status="cancelled")
    b3 = BookingFactory(service=cut, resource=ana, start=base + dt.timedelta(days=1))
    # 23:30 in São Paulo on the 5th is the 6th in UTC: local dates decide.
    b4 = BookingFactory(
        service=cut, resource=bia, start=dt.datetime(2030, 3, 6, 2, 30, tzinfo=dt.UTC)
    )

    def refs(query: str) -> set[str]:
        response = api.get(f"/api/v1/bookings?{query}")
        assert response.status_code == 200, response.content
        return {b["reference"] for b in response.json()["items"]}

    assert refs("date_from=2030-03-05&date_to=2030-03-05") == {
        b1.reference,
        b2.reference,
        b4.reference,
    }
    assert refs("date_from=2030-03-06") == {b3.reference}
    assert refs("status=cancelled") == {b2.reference}
    assert refs(f"resource={ana.pk}") == {b1.reference, b3.reference}
    assert refs(f"client={maria.pk}") == {b1.reference}
    bad = api.get("/api/v1/bookings?status=lost")
    assert bad.status_code == 422 and error_of(bad)["field"] == "status"


# --- Clients -------------------------------------------------------------------------------------


def test_client_create_get_update_delete(api, world, owner):
    created = api.post_json(
        "/api/v1/clients",
        {
            "name": " João Souza ",
            "phone": "(11) 91234-5678",
            "email": "JOAO@Example.com",
            "tags": ["Regular", "beard", "regular"],
            "birth_date": "1990-05-01",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "João Souza" and body["phone"] == "+5511912345678"
    assert body["email"] == "joao@example.com" and body["tags"] == ["beard", "regular"]
    client = Client.objects.get(pk=body["id"])
    assert client.created_by == owner
    assert api.get(f"/api/v1/clients/{client.pk}").json() == body
    patched = api.patch_json(f"/api/v1/clients/{client.pk}", {"is_vip": True, "notes": "Tea"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["is_vip"] is True and patched.json()["name"] == "João Souza"
    null_name = api.patch_json(f"/api/v1/clients/{client.pk}", {"name": None})
    assert null_name.status_code == 422 and error_of(null_name)["field"] == "name"
    deleted = api.delete(f"/api/v1/clients/{client.pk}")
    assert deleted.status_code == 200 and deleted.json()["is_active"] is False
    client.refresh_from_db()
    assert client.is_active is False  # kept, with its bookings
    assert api.get(f"/api/v1/clients/{client.pk}").status_code == 200


def test_client_refusals(api, world):
    ClientFactory(phone="+5511912345678")
    taken = api.post_json("/api/v1/clients", {"name": "Twin", "phone": "11912345678"})
    assert taken.status_code == 422 and error_of(taken) | {"message": ""} == {
        "code": "phone_taken",
        "field": "phone",
        "message": "",
    }
    for payload, field in (
        ({"name": ""}, "name"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "birth_date": "2999-01-01"}, "birth_date"),
        ({"name": "A", "unknown": 1}, "unknown"),
    ):
        response = api.post_json("/api/v1/clients", payload)
        assert response.status_code == 422, payload
        assert error_of(response)["field"] == field, (payload, response.json())


def test_client_list_search_and_active(api, world):
    ana = ClientFactory(name="Ana Costa", email="ana@example.com")
    ClientFactory(name="Bruno", phone="+5511955554444")
    gone = ClientFactory(name="Ana Gone", is_active=False)

    def names(query: str) -> list[str]:
        return [c["name"] for c in api.get(f"/api/v1/clients?{query}").json()["items"]]

    assert names("q=ana") == ["Ana Costa"]
    assert names("q=5555") == ["Bruno"]
    assert names("q=ana&active=false") == ["Ana Gone"]
    assert set(names("active=all")) >= {"Ana Costa", "Bruno", "Ana Gone"}
    assert ana.pk and gone.pk
