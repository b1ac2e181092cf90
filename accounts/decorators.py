"""Role checks for dashboard views: anonymous → login page, wrong role → 403."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User

MANAGER_ROLES = (User.Role.OWNER, User.Role.ADMIN)


def role_required(*roles: str):
    """Let through logged-in users whose role is one of `roles` (any role when none given)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if roles and request.user.role not in roles:
                raise PermissionDenied(_("Your role does not allow this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


manager_required = role_required(*MANAGER_ROLES)
owner_required = role_required(User.Role.OWNER)


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-based twin of `role_required`: set `roles` on the view."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.roles and request.user.role not in self.roles:
            raise PermissionDenied(_("Your role does not allow this page."))
        return super().dispatch(request, *args, **kwargs)
