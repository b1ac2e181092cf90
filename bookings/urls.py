from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.public_page, name="public_page"),
    path("app/", views.dashboard, name="dashboard"),
]
