from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("app/settings/webhooks/", views.endpoint_list, name="endpoints"),
    path("app/settings/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("app/settings/webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("app/settings/webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "app/settings/webhooks/deliveries/<int:pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
