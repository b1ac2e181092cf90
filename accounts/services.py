"""Writes on user accounts: creation, invitations, roles, activation, one-time login links.

Every function works on the schema the connection is set to: a business's team lives in that
business's schema, so callers outside a request enter it with `schema_context` first.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.errors import AccountError
from accounts.models import User

Role = User.Role


def _email_normalize(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    role: str = Role.STAFF,
    email_verified: bool = False,
) -> User:
    """Create a user of the current schema. `password=None` leaves it unusable (invited).

    A new active member must fit the plan's staff limit (PlanLimitError otherwise)."""
    email = _email_normalize(email)
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(
            "email_taken", _("There is already an account for %(email)s.") % {"email": email}
        )
    _staff_limit_check()
    user = User.objects.create_user(email=email, password=password, full_name=full_name, role=role)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


def _staff_limit_check() -> None:
    """One more active member (created, invited or reactivated) must fit the plan's staff limit.
    Counted under the limit's lock, held until this transaction ends: of two invitations racing
    for the last seat, one wins."""
    # billing counts accounts' rows (and those of the apps above): imported here, not at the top.
    from billing.limits import limit_check

    limit_check("staff")


def email_language(user: User) -> str:
    """The language of an e-mail to a member: their own, else their business's."""
    from config.i18n import supported

    language = supported(user.language)
    if language:
        return language
    from django.apps import apps

    business_settings = apps.get_model("scheduling", "BusinessSettings")
    try:
        with transaction.atomic():  # no settings table in the public schema (operators)
            business = business_settings.objects.filter(pk=1).first()
    except DatabaseError:
        business = None
    return (supported(business.language) if business else None) or settings.LANGUAGE_CODE


def invite_url(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    # The business host's URLs, also when an operator invites from the platform's admin.
    path = reverse(
        "accounts:invite_accept",
        kwargs={"uidb64": uid, "token": token},
        urlconf="config.urls_tenants",
    )
    return base_url.rstrip("/") + path


def _invite_send(*, user: User, base_url: str, business_name: str, invited_by: User | None) -> None:
    context = {
        "user": user,
        "url": invite_url(user=user, base_url=base_url),
        "business_name": business_name,
        "invited_by": invited_by,
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    with translation.override(email_language(user)):
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("You are invited to %(business)s") % {
            "business": business_name
        }
        body = render_to_string("accounts/email/invite.txt", context)
    # Sent after commit: an invitation must never point at a user that was rolled back.
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


@transaction.atomic
def user_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    invited_by: User | None,
    base_url: str,
    business_name: str,
) -> User:
    """Add a team member who sets their own password through a single-use link."""
    if invited_by is not None:
        _check_may_assign(actor=invited_by, role=role)
    user = user_create(email=email, password=None, full_name=full_name, role=role)
    _invite_send(user=user, base_url=base_url, business_name=business_name, invited_by=invited_by)
    audit_record(
        actor=invited_by,
        action="member.invited",
        target=user,
        changes={"email": user.email, "full_name": user.full_name, "role": user.role},
    )
    return user


@transaction.atomic
def user_invite_resend(*, user: User, invited_by: User | None, base_url: str, business_name: str):
    if user.has_accepted_invite:
        raise AccountError(
            "already_accepted", _("%(name)s has already set a password.") % {"name": user}
        )
    if not user.is_active:
        raise AccountError(
            "inactive", _("%(name)s is deactivated; reactivate them first.") % {"name": user}
        )
    _invite_send(user=user, base_url=base_url, business_name=business_name, invited_by=invited_by)
    audit_record(actor=invited_by, action="member.invite_resent", target=user)


@transaction.atomic
def user_invite_accept(*, user: User, password: str) -> User:
    """Set the invitee's password; that also spends the link (its token hashes the password)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    return user


def _check_may_assign(*, actor: User, role: str) -> None:
    if not actor.is_manager:
        raise AccountError("forbidden", _("Only an owner or an admin can manage the team."))
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise AccountError("forbidden", _("Only an owner can make someone an owner."))


def _check_may_change(*, actor: User, user: User) -> None:
    if not actor.is_manager:
        raise AccountError("forbidden", _("Only an owner or an admin can manage the team."))
    if user.role == Role.OWNER and actor.role != Role.OWNER:
        raise AccountError("forbidden", _("Only an owner can change another owner."))


def _check_not_last_owner(*, user: User) -> None:
    # Lock the active owners so two managers demoting the last two owners at once cannot both win.
    owners = list(
        User.objects.select_for_update()
        .filter(role=Role.OWNER, is_active=True)
        .values_list("pk", flat=True)
    )
    if owners == [user.pk]:
        raise AccountError(
            "last_owner",
            _("This is the business's last active owner. Make someone else an owner first."),
        )


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: str) -> User:
    if role not in Role.values:
        raise AccountError("invalid_role", _("Choose owner, admin or staff."))
    _check_may_change(actor=actor, user=user)
    _check_may_assign(actor=actor, role=role)
    if user.role == role:
        return user
    if user.role == Role.OWNER and user.is_active:
        _check_not_last_owner(user=user)
    before, user.role = user.role, role
    user.save(update_fields=["role"])
    _audit_member(actor, user, {"role": [before, role]})
    return user


def _audit_member(actor: User | None, user: User, changes: dict) -> None:
    audit_record(actor=actor, action="member.updated", target=user, changes=changes)


def _check_alerts(alerts: str) -> None:
    if alerts not in User.Alerts.values:
        raise AccountError("invalid_alerts", _("Choose which alerts to receive from the list."))


@transaction.atomic
def user_set_alerts(*, actor: User, user: User, alerts: str) -> User:
    """Which staff alerts a member receives: their own choice, or a manager's on the team screen."""
    _check_alerts(alerts)
    if actor.pk != user.pk:
        _check_may_change(actor=actor, user=user)
    if user.alerts != alerts:
        user.alerts = alerts
        user.save(update_fields=["alerts"])
    return user


@transaction.atomic
def user_profile_update(
    *, user: User, full_name: str, alerts: str, language: str | None = None
) -> User:
    """A member's own name, alerts and language ("" = the business's; None leaves it)."""
    _check_alerts(alerts)
    user.full_name = full_name.strip()
    user.alerts = alerts
    fields = ["full_name", "alerts"]
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise AccountError("invalid_language", _("Choose a language from the list."))
        user.language = language
        fields.append("language")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def user_set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Deactivate (ends their sessions; history stays) or reactivate a team member (when the
    plan's staff limit has room: PlanLimitError otherwise)."""
    if actor is not None:
        _check_may_change(actor=actor, user=user)
        if not active and actor.pk == user.pk:
            raise AccountError("self", _("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    if not active and user.role == Role.OWNER:
        _check_not_last_owner(user=user)
    if active:
        _staff_limit_check()
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit_member(actor, user, {"is_active": [not active, active]})
    if not active:
        user_sessions_end(user=user)
    return user


def user_sessions_end(*, user: User) -> None:
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()


# --- One-time login links ----------------------------------------------------------------------
# Sign-up happens on the platform host and cookies are per host, so the new owner arrives on
# their business's host with a signed link. It names the schema (a link for one business means
# nothing on another), expires after LOGIN_LINK_MAX_AGE seconds, and carries the user's last
# login: logging in changes it, which spends the link.


def _login_link_salt() -> str:
    return f"accounts.login-link:{connection.schema_name}"


def _last_login_stamp(user: User) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def login_link_token(*, user: User) -> str:
    return signing.dumps(
        {"u": user.pk, "l": _last_login_stamp(user)}, salt=_login_link_salt(), compress=True
    )


@transaction.atomic
def login_link_user(*, token: str) -> User:
    """The user a login link is for; the caller logs them in inside this same transaction."""
    try:
        data = signing.loads(token, salt=_login_link_salt(), max_age=settings.LOGIN_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise AccountError("expired", _("This sign-in link has expired. Please log in.")) from exc
    except signing.BadSignature as exc:
        raise AccountError("invalid", _("This sign-in link is not valid. Please log in.")) from exc
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is None or _last_login_stamp(user) != data.get("l"):
        raise AccountError("used", _("This sign-in link has already been used. Please log in."))
    return user


def user_password_reset_send(*, user: User, base_url: str, business_name: str) -> None:
    """E-mail allauth's password-reset link; `base_url` is the user's business host."""
    from allauth.account.forms import default_token_generator as allauth_tokens
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": allauth_tokens.make_token(user)},
        urlconf="config.urls_tenants",
    )
    context = {"user": user, "url": base_url.rstrip("/") + path, "business_name": business_name}
    with translation.override(email_language(user)):
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _(
            "Set a new password for %(business)s"
        ) % {"business": business_name}
        body = render_to_string("accounts/email/password_reset.txt", context)
    send_mail(subject, body, None, [user.email])
