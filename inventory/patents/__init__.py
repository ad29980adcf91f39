"""Patents of the stock base library (存量专利基础库) and their owners: the patent and ownership
models, application numbers and IPC codes (identifiers), patentee matching (patentees), the
platform's base-library import (base_library, its pages in views) and the sleeping-patent flags
(sleeping), and who reads which fields of a patent's inventory record (audiences).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("sleeping",),
    audiences="INTERNAL_FIELDS LIBRARY_FIELDS PERSONAL_FIELDS own_patent_ids sees_contacts shown_value",
    base_library="BaseLibraryResult CHUNK_SIZE DERIVE_TASK IMPORT_TASK TOO_LARGE import_base_library run_batch",
    exports="BaseLibraryTemplate",
    identifiers="InvalidPatentNumber WEIGHTS make_application_number normalize_application_number normalize_ipc_prefix",
    sleeping="flag_sleeping_patents",
)
