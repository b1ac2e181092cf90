def business(request):
    """The business's settings and white-label labels, for every template on its host."""
    current = getattr(request, "business", None)
    if current is None:
        return {}
    return {
        "business": current,
        "labels": {
            "resource": current.label_resource,
            "resources": current.label_resource_plural,
            "service": current.label_service,
            "services": current.label_service_plural,
            "client": current.label_client,
            "clients": current.label_client_plural,
        },
    }
