"""Template helpers of the profile and needs pages."""

from django import template
from django.http import HttpRequest

from matching.choices import CooperationMode

register = template.Library()


@register.filter
def get_label(labels: dict, key: str) -> str:
    """The name of a code in a {code: name} table ("" when unknown)."""
    return labels.get(key, "") if isinstance(labels, dict) else ""


@register.filter
def mode_label(value: str) -> str:
    try:
        return str(CooperationMode(value).label)
    except ValueError:
        return value


@register.simple_tag
def page_query(request: HttpRequest, page: int) -> str:
    """The request's query string with its page replaced."""
    params = request.GET.copy()
    params["page"] = page
    return params.urlencode()
