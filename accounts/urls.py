from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("app/team/", views.team, name="team"),
    path("app/team/invite/", views.team_invite, name="team_invite"),
    path("app/team/<int:pk>/role/", views.team_role, name="team_role"),
    path("app/team/<int:pk>/alerts/", views.team_alerts, name="team_alerts"),
    path("app/profile/", views.profile, name="profile"),
    path("app/settings/audit/", views.audit_history, name="audit"),
    path(
        "app/team/<int:pk>/deactivate/",
        views.team_set_active,
        {"active": False},
        name="team_deactivate",
    ),
    path(
        "app/team/<int:pk>/reactivate/",
        views.team_set_active,
        {"active": True},
        name="team_reactivate",
    ),
    path("app/team/<int:pk>/resend/", views.team_resend, name="team_resend"),
    # Next to allauth's own pages under /accounts/ (and before them: our login answers 429).
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/invite/<uidb64>/<token>/", views.invite_accept, name="invite_accept"),
    path("accounts/login-link/<str:token>/", views.login_link, name="login_link"),
]
