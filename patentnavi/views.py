from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.roles import role_of

from .home import summary_for


@login_required
def home(request):
    """The home page tells each role what to do next."""
    return render(request, "home.html", {"summary": summary_for(request.user), "role": role_of(request.user)})
