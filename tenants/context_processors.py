from django.conf import settings


def tenant(request):
    current = getattr(request, "tenant", None)
    return {
        "tenant": current,
        "on_platform": current is None or current.is_public,
        "base_domain": settings.BASE_DOMAIN,
    }
