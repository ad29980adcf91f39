"""The evaluation app's home-page cards (ground.registry collects them): each area registers its own."""

from evaluation.rounds import home as rounds  # noqa: F401
