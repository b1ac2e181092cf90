from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("app/setup/presets/", views.setup_presets, name="setup_presets"),
    path("app/settings/", views.settings_edit, name="settings"),
    # The history of changes moved to accounts' /app/settings/audit/; old links still work.
    path("app/settings/history/", views.settings_history_moved, name="history"),
    path("app/settings/questions/", views.questions, name="questions"),
    path("app/settings/questions/<int:pk>/", views.questions, name="question_edit"),
    path("app/settings/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("app/settings/two-factor/", views.settings_two_factor, name="settings_two_factor"),
    path("app/hours/", views.business_hours, name="hours"),
    path("app/my-hours/", views.my_hours, name="my_hours"),
    path("app/time-off/", views.time_off, name="time_off"),
    path("app/time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("app/categories/", views.categories, name="categories"),
    path("app/categories/<int:pk>/", views.categories, name="category_edit"),
    path("app/categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    # The same screen for services' categories (headings of the booking page's list).
    path(
        "app/service-categories/",
        views.categories,
        {"kind": "services"},
        name="service_categories",
    ),
    path(
        "app/service-categories/<int:pk>/",
        views.categories,
        {"kind": "services"},
        name="service_category_edit",
    ),
    path(
        "app/service-categories/<int:pk>/delete/",
        views.category_delete,
        {"kind": "services"},
        name="service_category_delete",
    ),
    path("app/resources/", views.resources, name="resources"),
    path("app/resources/new/", views.resource_edit, name="resource_new"),
    path("app/resources/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("app/resources/<int:pk>/hours/", views.resource_hours, name="resource_hours"),
    path(
        "app/resources/<int:pk>/deactivate/",
        views.resource_set_active,
        {"active": False},
        name="resource_deactivate",
    ),
    path(
        "app/resources/<int:pk>/reactivate/",
        views.resource_set_active,
        {"active": True},
        name="resource_reactivate",
    ),
    path("app/services/", views.service_index, name="services"),
    path("app/services/new/", views.service_edit, name="service_new"),
    path("app/services/<int:pk>/", views.service_edit, name="service_edit"),
    path(
        "app/services/<int:pk>/deactivate/",
        views.service_set_active,
        {"active": False},
        name="service_deactivate",
    ),
    path(
        "app/services/<int:pk>/reactivate/",
        views.service_set_active,
        {"active": True},
        name="service_reactivate",
    ),
]
