from django.urls import path

from api import views

app_name = "api_keys"

urlpatterns = [
    path("app/settings/api/", views.key_list, name="list"),
    path("app/settings/api/<int:pk>/revoke/", views.key_revoke, name="revoke"),
]
