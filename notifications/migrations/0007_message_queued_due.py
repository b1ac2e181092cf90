from django.db import migrations, models


class Migration(migrations.Migration):
    """Due rows claimed in order straight off a partial index (notifications.services)."""

    dependencies = [
        ("notifications", "0006_g7_everyday"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("status", "queued")),
                fields=["send_after", "id"],
                name="message_queued_due",
            ),
        ),
    ]
