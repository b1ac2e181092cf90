from django.db.models import Q, QuerySet

from accounts.models import User


def user_list_team() -> QuerySet[User]:
    """The business's team, active members first, then by name."""
    return User.objects.order_by("-is_active", "full_name", "email")


def user_get_contact_owner() -> User | None:
    """The owner shown as the business's contact until F2's settings hold one."""
    return User.objects.filter(role=User.Role.OWNER, is_active=True).order_by("date_joined").first()


def user_list_alerted_for_unowned() -> list[User]:
    """Active members who hear of the bookings of resources nobody logs in as: those who chose
    so, and owners and admins who have not chosen (see `User.alerts_effective`)."""
    unchosen_managers = Q(alerts="", role__in=[User.Role.OWNER, User.Role.ADMIN])
    return list(
        User.objects.filter(Q(alerts=User.Alerts.UNOWNED) | unchosen_managers, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def audit_list(*, kind: str = "") -> QuerySet:
    """The audit trail, newest first, with who did each change; `kind` one of AUDIT_KINDS
    (its actions only), "other" (the actions of none of them) or "" (all)."""
    from accounts.models import AUDIT_KINDS, AuditEntry

    entries = AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")
    if kind == "other":
        for _label, prefixes in AUDIT_KINDS.values():
            entries = entries.exclude(_action_starts(prefixes))
    elif kind in AUDIT_KINDS:
        entries = entries.filter(_action_starts(AUDIT_KINDS[kind][1]))
    return entries


def _action_starts(prefixes) -> Q:
    condition = Q()
    for prefix in prefixes:
        condition |= Q(action__startswith=prefix)
    return condition
