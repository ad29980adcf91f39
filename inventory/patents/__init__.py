"""Patents of the stock base library (存量专利基础库) and their owners: the patent and ownership
models, application numbers and IPC codes (identifiers), patentee matching (patentees), the
platform's base-library import (base_library, its pages in views) and the sleeping-patent flags
(sleeping).

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.patents import <module>`.
MODULES = ("sleeping",)

__getattr__, __dir__, __all__ = public(
    __name__,
    {
        "BaseLibraryResult": "base_library",
        "BaseLibraryTemplate": "exports",
        "CHUNK_SIZE": "base_library",
        "DERIVE_TASK": "base_library",
        "IMPORT_TASK": "base_library",
        "InvalidPatentNumber": "identifiers",
        "TOO_LARGE": "base_library",
        "WEIGHTS": "identifiers",
        "flag_sleeping_patents": "sleeping",
        "import_base_library": "base_library",
        "make_application_number": "identifiers",
        "normalize_application_number": "identifiers",
        "normalize_ipc_prefix": "identifiers",
        "run_batch": "base_library",
    },
    modules=MODULES,
)
