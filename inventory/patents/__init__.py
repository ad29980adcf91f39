"""Patents of the stock base library (存量专利基础库) and their owners: the patent and ownership
models, application numbers and IPC codes (identifiers), patentee matching (patentees), the
platform's base-library import (base_library: its format in base_library_format, its plan in
base_library_plan and base_library_postgres, its pages in views), the sleeping-patent flags
(sleeping), the base of the platform's own sheet imports (platform_import), and who reads
which fields of a patent's inventory record (audiences).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("sleeping",),
    platform_import="PlatformSheetImport",
    audiences="INTERNAL_FIELDS LIBRARY_FIELDS PERSONAL_FIELDS own_patent_ids sees_contacts shown_value",
    base_library=(
        "BASE_LIBRARY BaseLibraryResult DERIVE_TASK TOO_LARGE base_library_batches batches_to_act_on "
        "drop_abandoned_plans import_base_library"
    ),
    exports="BaseLibraryTemplate",
    identifiers="InvalidPatentNumber WEIGHTS make_application_number normalize_application_number normalize_ipc_prefix",
    sleeping="flag_sleeping_patents",
)
