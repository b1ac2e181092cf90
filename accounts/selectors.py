from django.db.models import QuerySet

from accounts.models import User


def user_list_team() -> QuerySet[User]:
    """The business's team, active members first, then by name."""
    return User.objects.order_by("-is_active", "full_name", "email")


def user_get_contact_owner() -> User | None:
    """The owner shown as the business's contact until F2's settings hold one."""
    return User.objects.filter(role=User.Role.OWNER, is_active=True).order_by("date_joined").first()
