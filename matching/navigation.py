"""The matching app's navigation entries (ground.registry collects them): each area lists its own."""

from ground.registry import site
from matching.needs import navigation as needs

for entry in needs.entries():
    site.add_entry(entry)
