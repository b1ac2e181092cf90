from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("app/reports/", views.report_bookings, name="bookings"),
    path("app/reports/clients/", views.report_clients, name="client_analytics"),
]
