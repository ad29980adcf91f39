"""The institution's standard-format upload (盘点结果): import batches (models), staging,
validation, commit and cancel (services), the row check (check), the plan file (plan), its
PostgreSQL stage (stage) and the pages (views).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("services",),
    exports="ImportErrorReport",
    services="UploadError can_upload local_path",
    stage="drop_abandoned",
)
