"""/api/v1/ on each business's host: the django-ninja API, its schema and its docs page."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from api.errors import install_handlers
from api.routers import availability, bookings, catalogue, clients


class LocalSwagger(Swagger):
    """Swagger UI from our static files (django-ninja ships them): no CDN, no inline script."""

    template = "api/docs.html"


api = NinjaAPI(
    title="Agendo API",
    version="1",
    description=(
        "A business's services, availability, bookings and clients. Authenticate with an API "
        "key from Settings → API (`Authorization: Bearer agd_…`). Every error is "
        '`{"error": {"code", "message", "field"}}`.'
    ),
    urls_namespace="api",
    docs=LocalSwagger(),
)
install_handlers(api)
for module in (catalogue, availability, bookings, clients):
    api.add_router("", module.router)
