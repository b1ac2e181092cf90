from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("app/billing/", views.billing_page, name="page"),
    path("app/billing/plan/", views.plan_change, name="plan_change"),
]
