from rest_framework.authtoken.views import ObtainAuthToken


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, receive the token bound to that user (and so to their scope)."""
