"""The team's account screens in Brazilian Portuguese for a pt-BR business (team, profile,
invitation, login, two-factor set-up), English for an English business; a member's own language
(User.language, chosen on the profile) for the dashboard and the e-mails they get."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django_tenants.utils import schema_context

from accounts import services
from accounts.models import User
from accounts.tests.factories import PASSWORD, OwnerFactory, UserFactory
from conftest import assert_no_english, host_client, login_as, visible_text
from scheduling.models import BusinessSettings

HTMX = {"HTTP_HX_REQUEST": "true"}


def _speaks(language: str) -> None:
    business = BusinessSettings.load()
    business.language = language
    business.save()


@pytest.fixture
def owner(alpha):
    return OwnerFactory(full_name="Olívia Dona", email="olivia@example.com")


def _signed_in(owner):
    """A password login plus the password again, as allauth asks before 2FA changes."""
    client = host_client("alpha.localhost")
    client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite someone on the owner's behalf; the e-mail goes out (on commit) at once."""

    def send(owner, email="nina@example.com") -> User:
        with django_capture_on_commit_callbacks(execute=True):
            return services.user_invite(
                email=email,
                full_name="Nina Silva",
                role="staff",
                invited_by=owner,
                base_url="http://alpha.localhost/",
                business_name="Alpha Barbers",
            )

    return send


def _invite_path() -> str:
    return re.search(r"http://alpha\.localhost(/accounts/invite/\S+/)", mail.outbox[-1].body)[1]


def _pages(client, owner, invite) -> dict[str, str]:
    """Each account screen, as its owner (and a visitor, and an invitee) sees it."""
    UserFactory(full_name="Rafa Lima")
    invite(owner)
    invite = _invite_path()
    anonymous = host_client("alpha.localhost")
    pages = {
        "team": client.get("/app/team/"),
        "profile": client.get("/app/profile/"),
        "2fa": client.get("/accounts/2fa/"),
        "2fa setup": client.get("/accounts/2fa/totp/activate/"),
        "login": anonymous.get("/accounts/login/"),
        "signup closed": anonymous.get("/accounts/signup/"),
        "invite": anonymous.get(invite),
        "invite invalid": anonymous.get("/accounts/invite/MQ/nope/"),
    }
    with schema_context("alpha"):
        reauth = host_client("alpha.localhost")
        login_as(reauth, owner, "alpha")
    pages["reauthenticate"] = reauth.get("/accounts/reauthenticate/")
    for name, response in pages.items():
        assert response.status_code == (404 if name == "invite invalid" else 200), name
    return {name: response.content.decode() for name, response in pages.items()}


def test_the_account_screens_of_a_pt_br_business_are_portuguese(owner, invite):
    _speaks("pt-br")
    pages = _pages(_signed_in(owner), owner, invite)
    for name, html in pages.items():
        assert '<html lang="pt-br"' in html, name
        assert_no_english(html)
    text = {name: visible_text(html) for name, html in pages.items()}
    assert "Quem pode entrar no painel de Alpha Barbers" in text["team"]
    assert "Convidado" in text["team"] and "Membro da equipe" in text["team"]
    assert "Seu perfil" in text["profile"] and "Padrão da empresa (Português)" in text["profile"]
    assert "Idioma" in text["profile"] and "Meus agendamentos" in text["profile"]
    assert "App autenticador" in text["2fa"]
    assert "Configurar a verificação em duas etapas" in text["2fa setup"]
    assert "Manter conectado neste dispositivo" in text["login"]
    assert "Contas somente por convite" in text["signup closed"]
    assert "Entre para Alpha Barbers" in text["invite"]
    assert "Este link de convite não pode ser usado" in text["invite invalid"]
    assert "Confirme sua senha" in text["reauthenticate"]


def test_the_account_screens_of_an_english_business_stay_english(owner, invite):
    _speaks("en")
    pages = _pages(_signed_in(owner), owner, invite)
    text = {name: visible_text(html) for name, html in pages.items()}
    assert "Who can log in to Alpha Barbers's dashboard" in text["team"]
    assert "Business default (English)" in text["profile"]
    assert "Set up two-factor authentication" in text["2fa setup"]
    assert "Staff login" in text["login"] and "Join Alpha Barbers" in text["invite"]


def test_recovery_codes_and_the_code_step_are_portuguese(owner, alpha_client):
    _speaks("pt-br")
    TOTP.activate(owner, generate_totp_secret())
    RecoveryCodes.activate(owner)
    visitor = host_client("alpha.localhost")
    visitor.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    step = visitor.get("/accounts/2fa/authenticate/").content.decode()
    assert "Digite seu código" in step
    assert_no_english(step)

    client = login_as(alpha_client, owner, "alpha")
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    codes = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert "Códigos de recuperação" in codes and "Baixar como arquivo de texto" in codes
    assert_no_english(codes)
    index = client.get("/accounts/2fa/").content.decode()
    assert "Ativada: depois da senha" in index
    assert_no_english(index)


def test_the_profile_saves_the_member_s_language_and_the_dashboard_follows(owner, alpha_client):
    _speaks("pt-br")
    client = login_as(alpha_client, owner, "alpha")
    data = {"full_name": "Olívia Dona", "alerts": "own", "language": "en"}
    response = client.post("/app/profile/", data, follow=True)
    owner.refresh_from_db()
    assert owner.language == "en"
    html = response.content.decode()
    assert '<html lang="en"' in html and "Your profile is saved." in html
    assert "Business default (Português)" in html

    # With htmx, a change of language reloads the whole page (its menu speaks the old one).
    back = client.post("/app/profile/", {**data, "language": ""}, **HTMX)
    assert back.status_code == 204 and back["HX-Refresh"] == "true"
    owner.refresh_from_db()
    assert owner.language == ""
    assert "Seu perfil" in client.get("/app/profile/").content.decode()

    refused = client.post("/app/profile/", {**data, "language": "klingon"})
    assert refused.status_code == 422
    owner.refresh_from_db()
    assert owner.language == ""


def test_a_member_s_language_wins_over_the_business_s(owner, alpha_client):
    _speaks("en")
    owner.language = "pt-br"
    owner.save()
    client = login_as(alpha_client, owner, "alpha")
    team = client.get("/app/team/").content.decode()
    assert '<html lang="pt-br"' in team and "Convidar alguém" in team
    assert_no_english(team)
    # Pages for visitors (the login page) keep the business's language.
    login = host_client("alpha.localhost").get("/accounts/login/").content.decode()
    assert "Staff login" in login


def test_team_messages_and_refusals_are_portuguese(owner, alpha_client):
    _speaks("pt-br")
    client = login_as(alpha_client, owner, "alpha")
    invited = client.post(
        "/app/team/invite/",
        {"full_name": "Nina", "email": "nina@example.com", "role": "staff"},
        follow=True,
    )
    assert "Convite enviado para nina@example.com." in invited.content.decode()
    again = client.post(
        "/app/team/invite/", {"full_name": "Nina", "email": "nina@example.com", "role": "staff"}
    )
    assert again.status_code == 422
    assert "Alguém da equipe já usa este e-mail." in again.content.decode()
    last_owner = client.post(f"/app/team/{owner.pk}/role/", {"role": "staff"}, follow=True)
    assert "último proprietário ativo" in last_owner.content.decode()


def test_the_invitation_is_in_the_business_s_language(owner, invite):
    _speaks("pt-br")
    mail.outbox = []
    invite(owner)
    message = mail.outbox[-1]
    assert "Você foi convidado para Alpha Barbers" in message.subject
    assert "Olá, Nina Silva," in message.body
    assert "Olívia Dona convidou você para fazer parte da equipe de Alpha Barbers" in message.body
    assert re.search(r"o link funciona uma vez, durante \d+ dias", message.body)

    _speaks("en")
    invite(owner, email="bia@example.com")
    assert "You are invited to Alpha Barbers" in mail.outbox[-1].subject
    assert "Olívia Dona invited you to join" in mail.outbox[-1].body


def test_password_e_mails_follow_the_member_s_own_language(owner):
    _speaks("pt-br")
    member = UserFactory(full_name="Rafa Lima", language="en")
    mail.outbox = []
    services.user_password_reset_send(
        user=member, base_url="http://alpha.localhost", business_name="Alpha Barbers"
    )
    assert "Set a new password for Alpha Barbers" in mail.outbox[-1].subject
    services.user_password_reset_send(
        user=owner, base_url="http://alpha.localhost", business_name="Alpha Barbers"
    )
    assert "Defina uma nova senha para Alpha Barbers" in mail.outbox[-1].subject
    assert "sua senha continua a mesma" in mail.outbox[-1].body

    # allauth's own reset e-mail (from the login page's "Forgot your password?") too.
    host_client("alpha.localhost").post("/accounts/password/reset/", {"email": member.email})
    assert mail.outbox[-1].to == [member.email]
    assert "Password Reset" in mail.outbox[-1].subject
