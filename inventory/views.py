"""The patent list became the inventory workbench: see inventory.workbench.views."""

from .workbench.views import patent_list  # noqa: F401
