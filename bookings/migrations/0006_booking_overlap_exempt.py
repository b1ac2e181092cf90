"""Completed and no-show bookings start to count in `booking_no_overlap` (0007).

A schema may already hold such bookings overlapping another booking of their resource (a
completed booking stopped blocking its time, so a later one could take it; the demo seeded
some). None is deleted or changed: each is kept as recorded and marked `overlap_exempt`, which
leaves it out of the constraint. Which one of an overlapping group is marked: pending and
confirmed bookings are never marked (they never overlapped each other); of the rest, the one
recorded first keeps counting and each later one that overlaps a counting booking is marked.
"""

from django.db import migrations, models

OCCUPYING = ("pending", "confirmed", "completed", "no_show")
ACTIVE = ("pending", "confirmed")


def mark_overlapping(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    db = schema_editor.connection.alias
    # Only bookings that overlap another occupying one of their resource can need a mark.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT b.id, b.resource_id, b.status, b.created_at, b.occupied
            FROM bookings_booking b
            JOIN bookings_booking o
              ON o.resource_id = b.resource_id AND o.id <> b.id AND o.occupied && b.occupied
             AND o.status = ANY(%s)
            WHERE b.status = ANY(%s)
            """,
            [list(OCCUPYING), list(OCCUPYING)],
        )
        rows = cursor.fetchall()
    # Pending/confirmed first (kept: they already never overlap), then in the order recorded.
    rows.sort(key=lambda r: (r[1], r[2] not in ACTIVE, r[3], r[0]))
    kept: dict[int, list] = {}
    marked = []
    for pk, resource_id, _status, _created_at, occupied in rows:
        counting = kept.setdefault(resource_id, [])
        if any(occupied.lower < o.upper and o.lower < occupied.upper for o in counting):
            marked.append(pk)
        else:
            counting.append(occupied)
    if marked:
        Booking.objects.using(db).filter(pk__in=marked).update(overlap_exempt=True)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0005_client_created_by")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="overlap_exempt",
            field=models.BooleanField(
                default=False,
                db_default=False,
                editable=False,
                help_text="Overlapped another booking before completed and no-show ones counted.",
            ),
        ),
        migrations.RunPython(mark_overlapping, migrations.RunPython.noop, elidable=True),
    ]
