"""Industries (战略性新兴产业分类) and WIPO technology fields: the models, the IPC concordance and
its sheet (concordance), classifying patents and the institutions' overrides (services), pages and API.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__,
    concordance="CONCORDANCE load_concordance not_replaced",
    services="CLASSIFY_ALL_TASK apply_overrides classify_patents",
)
