def business(request):
    """The business's settings and white-label labels, for every template on its host.

    `labels` are in the page's language while the business keeps the default words
    (`BusinessSettings.labels`).
    """
    current = getattr(request, "business", None)
    if current is None:
        return {}
    return {"business": current, "labels": current.labels}
