"""A key acts as its member: staff scoping; Idempotency-Key; cursor pages stable under inserts."""

import datetime as dt

from api.models import IdempotentRequest
from api.services import api_key_create
from api.tests.conftest import ApiClient, error_of, local, next_weekday
from bookings.models import Booking, Client
from bookings.tests.factories import BookingFactory, ClientFactory

# --- Staff scoping -------------------------------------------------------------------------------


def test_a_staff_key_sees_and_books_only_its_own_calendar(staff, staff_token, world):
    ana, bia, cut = world["ana"], world["bia"], world["cut"]
    own = BookingFactory(
        service=cut, resource=ana, start=dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC)
    )
    other = BookingFactory(
        service=cut, resource=bia, start=dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC)
    )
    api = ApiClient(staff_token)
    assert [b["reference"] for b in api.get("/api/v1/bookings").json()["items"]] == [own.reference]
    assert api.get(f"/api/v1/bookings/{own.reference}").status_code == 200
    hidden = api.get(f"/api/v1/bookings/{other.reference}")
    assert hidden.status_code == 404 and error_of(hidden)["code"] == "not_found"
    assert api.post_json(f"/api/v1/bookings/{other.reference}/cancel").status_code == 404
    other.refresh_from_db()
    assert other.status == "confirmed"
    assert [r["name"] for r in api.get("/api/v1/resources").json()] == ["Ana"]
    # Clients: those of their bookings only.
    ids = {c["id"] for c in api.get("/api/v1/clients").json()["items"]}
    assert ids == {own.client_id}
    assert api.get(f"/api/v1/clients/{other.client_id}").status_code == 404
    # Availability of a colleague: absent; "any" means their own.
    day = next_weekday(1)
    query = f"service={cut.pk}&date_from={day}&date_to={day}"
    assert api.get(f"/api/v1/availability?{query}&resource={bia.pk}").status_code == 404
    slots = api.get(f"/api/v1/availability?{query}").json()["days"][0]["slots"]
    assert {tuple(s["resource_ids"]) for s in slots} == {(ana.pk,)}
    # Booking "any" lands on their own calendar; a colleague's is refused.
    new = {"service": cut.pk, "start": local(day, 10), "new_client": {"name": "Zé", "phone":
           "11988887777"}}  # fmt: skip
    created = api.post_json("/api/v1/bookings", new)
    assert created.status_code == 201 and created.json()["resource_id"] == ana.pk
    refused = api.post_json("/api/v1/bookings", {**new, "resource": bia.pk})
    assert refused.status_code == 422 and error_of(refused)["field"] == "resource"


def test_a_key_follows_its_members_role_now(admin, world):
    BookingFactory(service=world["cut"], resource=world["bia"])
    _, token = api_key_create(name="x", scopes=["read"], created_by=admin)
    api = ApiClient(token)
    assert len(api.get("/api/v1/bookings").json()["items"]) == 1
    admin.role = "staff"
    admin.save()
    assert api.get("/api/v1/bookings").json()["items"] == []


# --- Idempotency-Key -----------------------------------------------------------------------------


def _payload(world, day, hour=10):
    return {
        "service": world["cut"].pk,
        "start": local(day, hour),
        "resource": world["ana"].pk,
        "new_client": {"name": "Maria", "phone": "11987654321"},
    }


def test_the_same_key_twice_books_once(api, world):
    day = next_weekday(2)
    first = api.post_json("/api/v1/bookings", _payload(world, day), HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post_json("/api/v1/bookings", _payload(world, day), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Booking.objects.count() == 1 and Client.objects.count() == 1
    # Another key is another booking request (here refused: the slot is taken).
    other = api.post_json("/api/v1/bookings", _payload(world, day), HTTP_IDEMPOTENCY_KEY="abc-2")
    assert other.status_code == 409 and error_of(other)["code"] == "slot_taken"


def test_a_replayed_answer_matches_a_plain_one(api, world):
    day = next_weekday(2)
    kept = api.post_json("/api/v1/bookings", _payload(world, day, 10), HTTP_IDEMPOTENCY_KEY="k")
    plain = api.post_json("/api/v1/bookings", _payload(world, day, 11))
    assert set(kept.json()) == set(plain.json())
    assert kept.json()["start"][-1] == plain.json()["start"][-1]  # same rendering of times


def test_a_refusal_is_kept_too(api, world):
    day = next_weekday(2)
    BookingFactory(
        service=world["cut"],
        resource=world["ana"],
        start=dt.datetime.fromisoformat(local(day, 10)).astimezone(dt.UTC),
    )
    first = api.post_json("/api/v1/bookings", _payload(world, day), HTTP_IDEMPOTENCY_KEY="x")
    Booking.objects.all().delete()  # the slot frees up; the retry is still told what happened
    again = api.post_json("/api/v1/bookings", _payload(world, day), HTTP_IDEMPOTENCY_KEY="x")
    assert first.status_code == again.status_code == 409
    assert first.json() == again.json()
    assert not Client.objects.filter(phone="+5511987654321").exists()  # none left behind


def test_the_same_key_for_another_request_is_refused(api, world):
    day = next_weekday(2)
    api.post_json("/api/v1/bookings", _payload(world, day, 10), HTTP_IDEMPOTENCY_KEY="same")
    other = api.post_json("/api/v1/bookings", _payload(world, day, 11), HTTP_IDEMPOTENCY_KEY="same")
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_mismatch"
    assert Booking.objects.count() == 1


def test_keys_are_per_api_key(owner, api, world):
    day = next_weekday(2)
    _, token = api_key_create(name="Other", scopes=["read", "write"], created_by=owner)
    api.post_json("/api/v1/bookings", _payload(world, day, 10), HTTP_IDEMPOTENCY_KEY="shared")
    response = ApiClient(token).post_json(
        "/api/v1/bookings", _payload(world, day, 11), HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Booking.objects.count() == 2
    assert IdempotentRequest.objects.count() == 2


def test_a_malformed_idempotency_key_is_422(api, world):
    response = api.post_json(
        "/api/v1/bookings", _payload(world, next_weekday(2)), HTTP_IDEMPOTENCY_KEY="x" * 256
    )
    assert response.status_code == 422 and error_of(response)["field"] == "Idempotency-Key"
    assert not Booking.objects.exists()


# --- Cursor pagination ---------------------------------------------------------------------------


def _walk(api, url: str, *, between=None) -> list[str]:
    seen, cursor, page = [], None, 0
    while True:
        response = api.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row.get("reference", row.get("id")) for row in body["items"]]
        cursor = body["next_cursor"]
        page += 1
        if between:
            between(page)
        if cursor is None:
            return seen


def test_pages_are_stable_while_bookings_are_inserted(api, world):
    cut, ana, bia = world["cut"], world["ana"], world["bia"]
    base = dt.datetime(2030, 3, 4, 12, tzinfo=dt.UTC)
    # Ten at the same start on two resources (ties broken by id), then ten later ones.
    originals = [
        BookingFactory(service=cut, resource=(ana, bia)[n % 2],
                       start=base + dt.timedelta(hours=n // 2)).reference
        for n in range(20)
    ]  # fmt: skip
    inserted = []

    def insert(page: int) -> None:
        # Before the cursor (already passed), at the cursor's own start, and ahead of it.
        for hours in (-100 - page, (page * 2) // 2, 200 + page):
            client = ClientFactory()
            for resource in (ana, bia):
                start = base + dt.timedelta(hours=hours, minutes=30)
                if not Booking.objects.filter(resource=resource, start=start).exists():
                    inserted.append(
                        BookingFactory(
                            service=cut, resource=resource, client=client, start=start
                        ).reference
                    )
                    break

    seen = _walk(api, "/api/v1/bookings?limit=3", between=insert)
    assert len(seen) == len(set(seen)), "a booking was listed twice"
    assert set(originals) <= set(seen), "a booking that existed all along was skipped"
    starts = list(Booking.objects.filter(reference__in=seen).order_by("start", "pk"))
    assert [b.reference for b in starts] == seen  # in order
    assert inserted and not set(inserted) <= set(seen)  # rows behind the cursor are not seen


def test_client_pages(api, world):
    made = [ClientFactory().pk for _ in range(7)]
    seen = _walk(api, "/api/v1/clients?limit=2")
    assert seen == made


def test_a_forged_cursor_is_422(api, world):
    for cursor in ("garbage", "eyJhIjoxfQ", "x" * 400):
        response = api.get(f"/api/v1/bookings?cursor={cursor}")
        assert response.status_code == 422 and error_of(response)["field"] == "cursor"
    # A client cursor is no booking cursor.
    for _ in range(3):
        ClientFactory()
    client_cursor = api.get("/api/v1/clients?limit=1").json()["next_cursor"]
    response = api.get(f"/api/v1/bookings?cursor={client_cursor}")
    assert error_of(response)["field"] == "cursor"
