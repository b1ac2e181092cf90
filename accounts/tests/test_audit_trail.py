"""The audit trail beyond scheduling: team, message templates, channels, new settings fields,
and the history page at /app/settings/audit/ (before → after, filter by kind, pages)."""

import pytest

from accounts import services
from accounts.errors import AccountError
from accounts.models import AuditEntry, User
from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from conftest import assert_no_english, login_as, visible_text
from notifications import actions
from notifications.models import Channel, ChannelSettings, Kind
from notifications.services import channel_settings_save
from scheduling import services as scheduling_services
from scheduling.models import BusinessSettings

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _only_this_test_s_entries(alpha):
    """Each test reads only the entries it makes (the deletion is rolled back with the test)."""
    AuditEntry.objects.all().delete()


@pytest.fixture
def owner(alpha):
    return OwnerFactory(full_name="Olívia Dona", email="olivia@example.com")


@pytest.fixture
def owner_client(owner, alpha_client):
    return login_as(alpha_client, owner, "alpha")


def _entry(action: str) -> AuditEntry:
    (entry,) = AuditEntry.objects.filter(action=action)
    return entry


# --- Team ----------------------------------------------------------------------------------------


def test_invitation_role_change_and_removal_are_audited(owner_client, owner):
    response = owner_client.post(
        "/app/team/invite/", {"full_name": "Nina New", "email": "nina@example.com", "role": "staff"}
    )
    assert response.status_code in (200, 302)
    nina = User.objects.get(email="nina@example.com")
    invited = _entry("member.invited")
    assert (invited.actor, invited.target_id, invited.target_label) == (
        owner,
        str(nina.pk),
        "Nina New",
    )
    assert invited.changes == {
        "email": "nina@example.com",
        "full_name": "Nina New",
        "role": "staff",
    }

    owner_client.post(f"/app/team/{nina.pk}/role/", {"role": "admin"})
    owner_client.post(f"/app/team/{nina.pk}/deactivate/")
    owner_client.post(f"/app/team/{nina.pk}/reactivate/")
    changes = [e.changes for e in AuditEntry.objects.filter(action="member.updated").order_by("id")]
    assert changes == [
        {"role": ["staff", "admin"]},
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]
    owner_client.post(f"/app/team/{nina.pk}/resend/")
    assert _entry("member.invite_resent").target_id == str(nina.pk)


def test_a_refused_team_change_writes_nothing(alpha):
    admin = AdminFactory()
    boss = OwnerFactory()
    with pytest.raises(AccountError):
        services.user_change_role(actor=admin, user=boss, role="staff")
    with pytest.raises(AccountError):
        services.user_set_active(actor=boss, user=boss, active=False)
    assert not AuditEntry.objects.exists()


def test_an_unchanged_role_is_not_audited(alpha):
    owner, member = OwnerFactory(), UserFactory()
    services.user_change_role(actor=owner, user=member, role="staff")
    assert not AuditEntry.objects.exists()


# --- Message templates and channels --------------------------------------------------------------


def test_template_edit_and_reset_keep_before_and_after(owner_client, owner):
    url = f"/app/settings/templates/{Kind.REMINDER}/{Channel.WHATSAPP}/"
    response = owner_client.post(url, {"body": "Até amanhã, {client_name}!"})
    assert response.status_code == 302
    saved = _entry("template.updated")
    default_body, new_body = saved.changes["body"]
    assert new_body == "Até amanhã, {client_name}!" and default_body != new_body
    assert saved.actor == owner and saved.target_label == "reminder:whatsapp"
    assert saved.target_text == "Reminder · WhatsApp"

    # Saving the same words again changes nothing, and records nothing.
    owner_client.post(url, {"body": "Até amanhã, {client_name}!"})
    assert AuditEntry.objects.filter(action="template.updated").count() == 1

    owner_client.post(url + "reset/")
    reset = _entry("template.reset")
    assert reset.changes["body"] == [new_body, default_body]


def test_channels_change_is_audited_and_the_token_never_written(alpha, tenant_alpha):
    owner = OwnerFactory()
    channels = ChannelSettings.load()
    channels.follow_up_hours, channels.whatsapp_access_token = 48, "EAAG-first-secret"
    channel_settings_save(channels=channels, tenant=tenant_alpha, actor=owner)
    first = _entry("channels.updated")
    assert first.changes == {
        "follow_up_hours": [24, 48],
        "whatsapp_access_token": ["not saved", "saved"],
    }
    channels.whatsapp_access_token = "EAAG-second-secret"
    channel_settings_save(channels=channels, tenant=tenant_alpha, actor=owner)
    (second,) = AuditEntry.objects.filter(action="channels.updated").exclude(pk=first.pk)
    assert second.changes == {"whatsapp_access_token": ["saved", "replaced"]}
    stored = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "secret" not in stored
    channel_settings_save(channels=channels, tenant=tenant_alpha, actor=owner)
    assert AuditEntry.objects.filter(action="channels.updated").count() == 2


def test_new_settings_fields_are_audited_with_their_names(alpha):
    owner = OwnerFactory()
    business = BusinessSettings.load()
    scheduling_services.settings_update(
        business=business, actor=owner, auto_complete_after_minutes=30
    )
    entry = _entry("settings.updated")
    assert entry.changes == {"auto_complete_after_minutes": [120, 30]}
    assert entry.change_rows == [("Mark as completed after (minutes)", "120", "30")]


# --- The history page ----------------------------------------------------------------------------


def test_history_page_shows_before_and_after_and_filters_by_kind(
    owner_client, owner, django_assert_max_num_queries
):
    member = UserFactory(full_name="Nina New")
    services.user_change_role(actor=owner, user=member, role="admin")
    scheduling_services.category_create(name="Cadeiras", actor=owner)
    owner_client.get("/app/profile/")  # the plan's terms are cached after a business's first page

    with django_assert_max_num_queries(9):
        page = owner_client.get("/app/settings/audit/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Team member changed" in body and "Category created" in body
    assert "<del>Staff</del> → <ins>Admin</ins>" in body

    with django_assert_max_num_queries(9):
        team = owner_client.get("/app/settings/audit/?kind=team", **HTMX)
    team = team.content.decode()
    assert team.lstrip().startswith('<div id="history-list"')
    assert "Team member changed" in team and "Category created" not in team
    resources = owner_client.get("/app/settings/audit/?kind=resources").content.decode()
    assert "Category created" in resources and "Team member changed" not in resources
    # An unknown kind shows everything; a NUL byte is a clear 400, never a 500.
    assert "Category created" in owner_client.get("/app/settings/audit/?kind=nope").content.decode()
    assert owner_client.get("/app/settings/audit/?kind=%00").status_code == 400


def test_history_pages_keep_the_filter(owner_client, owner):
    for n in range(55):
        scheduling_services.category_create(name=f"Group {n}", actor=owner)
    first = owner_client.get("/app/settings/audit/?kind=resources").content.decode()
    assert "Page 1 of 2" in first and "?kind=resources&page=2" in first
    second = owner_client.get("/app/settings/audit/?kind=resources&page=2").content.decode()
    assert "Group 0<" in second and "Group 54<" not in second


def test_history_is_for_owners_and_admins_and_the_old_address_redirects(
    owner_client, alpha_client, alpha
):
    old = owner_client.get("/app/settings/history/?kind=team&page=2")
    assert old.status_code == 301
    assert old["Location"] == "/app/settings/audit/?kind=team&page=2"
    login_as(alpha_client, AdminFactory(), "alpha")
    assert alpha_client.get("/app/settings/audit/").status_code == 200
    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get("/app/settings/audit/").status_code == 403


def test_history_of_a_pt_br_business_is_portuguese(owner_client, owner, tenant_alpha):
    business = BusinessSettings.load()
    business.language = "pt-br"
    business.save()
    member = UserFactory(full_name="Nina New")
    services.user_change_role(actor=owner, user=member, role="admin")
    services.user_set_active(actor=owner, user=member, active=False)
    actions.template_save(
        kind=Kind.REMINDER, channel=Channel.WHATSAPP, language="pt-br", subject="", body="Oi!"
    )
    channels = ChannelSettings.load()
    channels.whatsapp_access_token = "EAAG-secret"
    channel_settings_save(channels=channels, tenant=tenant_alpha, actor=owner)

    html = owner_client.get("/app/settings/audit/").content.decode()
    assert_no_english(html)
    text = visible_text(html)
    for words in (
        "Membro da equipe alterado",
        "Modelo de mensagem alterado",
        "Lembrete · WhatsApp",
        "Canais alterados",
        "Tipo de alteração",
        "não salvo → salvo",
    ):
        assert words in text, words
