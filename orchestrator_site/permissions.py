from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class StaffWritesOthersRead(BasePermission):
    """Any signed-in user may read; only staff may change anything."""

    message = "Only staff users may change things. Ask an administrator to make you staff."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return request.method in SAFE_METHODS or user.is_staff
