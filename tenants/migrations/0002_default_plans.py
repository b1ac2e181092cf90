from django.db import migrations

PLANS = [
    {
        "code": "free",
        "name": "Free",
        "monthly_price": 0,
        "max_staff": 2,
        "max_resources": 3,
        "is_default": True,
    },
    {
        "code": "pro",
        "name": "Pro",
        "monthly_price": 29,
        "max_staff": 15,
        "max_resources": 30,
        "is_default": False,
    },
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("tenants", "Plan")
    for plan in PLANS:
        Plan.objects.get_or_create(code=plan["code"], defaults=plan)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
