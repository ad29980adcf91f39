"""Account allocation (账号分配, DATA-STANDARD.md §4): the platform allocates the admin accounts
of ministries, provincial IP offices and institutions in bulk from a sheet.

    preview = preview_allocation(path, "账号分配.xlsx")   # validates every row, writes nothing
    result = allocate_accounts(actor=operator, path=path, original_name="账号分配.xlsx")
    result.sheet                                         # the result .xlsx, with one-time passwords

Ministries and provincial offices exist already (reference data): their rows allocate an admin
account to the existing organisation. Institutions are matched by credit code, then by name, and
created when new. A row whose organisation already has that admin account is left alone, so a
second upload of the same sheet changes nothing. If any row has an error, nothing is written.

The sheet's columns and parsers (format), checking it against the database (preview), the format
of the import pipeline (importer), writing organisations and accounts (writing), and the template
and result sheets (sheets).
"""

from accounts.allocation.format import RESULT_CACHE_SECONDS, UPLOAD_CACHE_SECONDS, AllocationFormat
from accounts.allocation.importer import (
    ALLOCATION,
    AllocationImport,
    allocate_accounts,
    committed_result,
    preview_allocation,
    preview_batch,
)
from accounts.allocation.preview import AllocationError, AllocationPreview, AllocationRow
from accounts.allocation.sheets import build_result_sheet, build_template
from accounts.allocation.writing import AllocatedRow, AllocationResult, result_filename

__all__ = [
    "ALLOCATION", "RESULT_CACHE_SECONDS", "UPLOAD_CACHE_SECONDS", "AllocatedRow", "AllocationError",
    "AllocationFormat", "AllocationImport", "AllocationPreview", "AllocationResult", "AllocationRow",
    "allocate_accounts", "build_result_sheet", "build_template", "committed_result", "preview_allocation",
    "preview_batch", "result_filename",
]
