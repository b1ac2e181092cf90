"""`booking_no_overlap` covers completed and no-show bookings too (0006 marked old overlaps)."""

import django.contrib.postgres.constraints
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bookings", "0006_booking_overlap_exempt")]

    operations = [
        migrations.RemoveConstraint(model_name="booking", name="booking_no_overlap"),
        migrations.AddConstraint(
            model_name="booking",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(
                    ("overlap_exempt", False),
                    ("status__in", ("pending", "confirmed", "completed", "no_show")),
                ),
                expressions=[("resource", "="), ("occupied", "&&")],
                name="booking_no_overlap",
            ),
        ),
    ]
