"""The institution's standard-format upload (盘点结果): import batches (models), the format of the
one import pipeline (importer: InventoryImport, driven through ground.imports), the row check
(check), the plan file (plan), how the plan is staged and applied per database (strategies), its
PostgreSQL stage (stage), how long unimported files are kept (retention), who may upload and the
templates (services), and the pages (views).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("services",),
    exports="ImportErrorReport",
    importer="INVENTORY InstitutionSheetImport InventoryImport",
    services="UploadError batches_needing_attention can_upload",
    stage="drop_abandoned",
    retention="remove_expired_files",
)
