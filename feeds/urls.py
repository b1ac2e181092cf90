from django.urls import path

from feeds import views

app_name = "feeds"

urlpatterns = [
    path("feeds/<str:token>.ics", views.feed, name="feed"),
    path("app/feeds/", views.feeds_page, name="page"),
    path(
        "app/feeds/<str:kind>/<int:pk>/<str:action>/",
        views.feed_action,
        name="action",
    ),
]
