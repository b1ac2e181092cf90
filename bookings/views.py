from django.shortcuts import render

from accounts.decorators import role_required
from accounts.selectors import user_get_contact_owner


def public_page(request):
    """The business's public page; F4 grows it into the booking flow."""
    return render(request, "bookings/public_page.html", {"contact": user_get_contact_owner()})


@role_required()
def dashboard(request):
    return render(request, "bookings/dashboard.html")
