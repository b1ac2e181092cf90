"""Signals the public-schema app sends; tenant-schema apps connect to them in `ready()`."""

from django.dispatch import Signal

# Sent by `seed_demo` inside the demo tenant's schema, after its team exists; each app adds its
# own demo data (resources, services, clients, bookings...). Arguments: tenant, owner, staff,
# language (the demo business's: "en" for `demo`, "pt-br" for `barbearia`).
demo_tenant_seeded = Signal()
