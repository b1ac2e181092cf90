from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("app/payments/", views.payment_list, name="list"),
    path("app/payments/by-day.csv", views.summary_csv, name="summary_csv"),
    path("app/payments/entries.csv", views.entries_csv, name="entries_csv"),
    path("app/payments/bookings/<str:reference>/", views.booking_payment, name="booking"),
    path("app/payments/clients/<int:pk>/", views.client_payment, name="client"),
    path("app/payments/<int:pk>/refund/", views.payment_refund, name="refund"),
]
