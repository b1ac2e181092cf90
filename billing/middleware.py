"""A suspended or cancelled business's dashboard is read-only: looking works, changing does
not (a 403 page that says why and what to do), except the billing page where the owner acts.
Reminders and the clients' manage links keep working; nothing is deleted."""

from django.shortcuts import render

from billing.limits import current_terms

SAFE = ("GET", "HEAD", "OPTIONS")
OPEN_PATHS = ("/app/billing/", "/app/profile/")


class ReadOnlyWhenPausedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in SAFE
            and request.path.startswith("/app/")
            and not request.path.startswith(OPEN_PATHS)
        ):
            terms = current_terms()
            if terms is not None and terms.pauses_booking:
                context = {"subscription": terms.subscription}
                return render(request, "billing/read_only.html", context, status=403)
        return self.get_response(request)
