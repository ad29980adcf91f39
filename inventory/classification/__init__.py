"""Industries (战略性新兴产业分类) and WIPO technology fields: the models, the IPC concordance and
its sheet (concordance), classifying patents and the institutions' overrides (services), pages and API.

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

MODULES = ()

__getattr__, __dir__, __all__ = public(
    __name__, modules=MODULES,
    concordance="load_concordance",
    services="CLASSIFY_ALL_TASK apply_overrides classify_patents",
)
