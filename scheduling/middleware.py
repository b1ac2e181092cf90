"""On a business's host: load its settings once per request and show times in its time zone."""

from django.utils import timezone

from scheduling.models import BusinessSettings


class BusinessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_public:
            request.business = None
            return self.get_response(request)
        request.business = BusinessSettings.load()
        with timezone.override(request.business.timezone):
            return self.get_response(request)
