from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("app/messages/", views.message_list, name="messages"),
    path("app/messages/test/", views.message_test, name="message_test"),
    path("app/messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("app/messages/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("app/clients/<int:pk>/message/", views.client_message, name="client_message"),
    path("app/clients/<int:pk>/win-back/", views.client_win_back, name="client_win_back"),
    path("app/settings/channels/", views.channel_settings, name="channels"),
    path("app/settings/templates/", views.template_list, name="templates"),
    path(
        "app/settings/templates/<str:kind>/<str:channel>/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "app/settings/templates/<str:kind>/<str:channel>/preview/",
        views.template_preview,
        name="template_preview",
    ),
    path(
        "app/settings/templates/<str:kind>/<str:channel>/reset/",
        views.template_reset,
        name="template_reset",
    ),
]
