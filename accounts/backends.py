from django.contrib.auth.backends import ModelBackend


class ActiveOrganizationBackend(ModelBackend):
    """Refuses users whose organisation is not active: an enterprise awaiting its provincial
    office's approval, a rejected one, or a disabled organisation cannot log in."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        org = user.organization
        return org is None or org.is_active
