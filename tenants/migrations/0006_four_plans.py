"""FREE, STARTER, PRO and ENTERPRISE (SPEC §10): prices in BRL, limits (None = unlimited) and
modules. Operators edit them in the admin afterwards; this only sets where they start."""

from django.db import migrations

NONE = dict.fromkeys(("whatsapp", "reports", "api", "webhooks", "branding"), False)
PLANS = [
    {
        "code": "free",
        "name": "Free",
        "monthly_price": 0,
        "limits": {"staff": 1, "resources": 2, "services": 5, "bookings": 100, "whatsapp": 0},
        "modules": NONE,
    },
    {
        "code": "starter",
        "name": "Starter",
        "monthly_price": 49,
        "limits": {"staff": 3, "resources": 5, "services": 20, "bookings": 500, "whatsapp": 500},
        "modules": {**NONE, "whatsapp": True},
    },
    {
        "code": "pro",
        "name": "Pro",
        "monthly_price": 99,
        "limits": {
            "staff": 15,
            "resources": 30,
            "services": None,
            "bookings": 3000,
            "whatsapp": 3000,
        },
        "modules": {**NONE, "whatsapp": True, "reports": True, "api": True, "branding": True},
    },
    {
        "code": "enterprise",
        "name": "Enterprise",
        "monthly_price": 299,
        "limits": dict.fromkeys(("staff", "resources", "services", "bookings", "whatsapp")),
        "modules": dict.fromkeys(NONE, True),
    },
]
DEFAULT = "pro"  # a new sign-up's trial


def fields(plan: dict) -> dict:
    row = {"name": plan["name"], "monthly_price": plan["monthly_price"], "currency": "BRL"}
    row.update({f"max_{key}": value for key, value in plan["limits"].items()})
    row.update({f"module_{key}": value for key, value in plan["modules"].items()})
    row["is_default"] = plan["code"] == DEFAULT
    return row


def seed(apps, schema_editor):
    Plan = apps.get_model("tenants", "Plan")
    Plan.objects.update(is_default=False)
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=fields(plan))


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_plan_limits_and_modules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
