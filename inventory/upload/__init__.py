"""The institution's standard-format upload (盘点结果): import batches (models), staging,
validation, commit and cancel (services), the row check (check), the plan file (plan), its
PostgreSQL stage (stage), the error report (errors) and the pages (views).

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.upload import <module>`.
MODULES = ("errors", "services")

__getattr__, __dir__, __all__ = public(
    __name__, modules=MODULES,
    exports="ImportErrorReport",
    services="UploadError can_upload local_path",
    stage="drop_abandoned",
)
