"""The matching app's navigation entries (ground.registry collects them): each area registers its own."""

from ground.registry import site
from matching.events import navigation as events  # noqa: F401
from matching.matcher import navigation as matcher  # noqa: F401
from matching.needs import navigation as needs
from matching.pushes import navigation as pushes  # noqa: F401

for entry in needs.entries():
    site.add_entry(entry)
