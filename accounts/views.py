from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts.forms import ForcedPasswordChangeForm, LoginForm
from accounts.roles import role_of
from accounts.services import change_own_password
from ground.registry import site


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ForcedPasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        change_own_password(user=form.user, new_password=form.cleaned_data["new_password1"], request=self.request)
        # Keep this session signed in after the change (Django's own view does the same).
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。"))
        return HttpResponseRedirect(self.get_success_url())


@login_required
def home(request):
    """The home page (工作台): each app's cards for the user's role (ground.registry), the most
    pressing first."""
    current = role_of(request.user)
    return render(request, "home.html", {"cards": site.cards_for(request.user, current), "role": current})
