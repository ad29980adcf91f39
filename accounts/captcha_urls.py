"""The captcha images of the login form (django-simple-captcha), under the names its widget reverses.

Open before sign-in (login_not_required); each image is drawn on the server from a one-time key
that expires after CAPTCHA_TIMEOUT minutes."""

from captcha import views
from django.contrib.auth.decorators import login_not_required
from django.urls import re_path

urlpatterns = [
    re_path(r"^image/(?P<key>\w+)/$", login_not_required(views.captcha_image), name="captcha-image",
            kwargs={"scale": 1}),
    re_path(r"^image/(?P<key>\w+)@2/$", login_not_required(views.captcha_image), name="captcha-image-2x",
            kwargs={"scale": 2}),
]
