"""One import pipeline for every exchange sheet of DATA-STANDARD.md (ground.imports.pipeline):
a format declares its columns, rules, plan and how the plan is applied; keeping the file,
validating every row, the preview, the atomic commit, the error report, idempotency and progress
live here once. Batches are kept by a store (ground.imports.batches)."""

from ground.imports.batches import BatchStatus, CachedBatch, CachedBatches, ModelBatches
from ground.imports.outcome import Outcome, Progress
from ground.imports.pipeline import (
    Job,
    SheetImport,
    StalePlan,
    cancel,
    commit,
    commit_if_clean,
    receive,
    request_commit,
    retry,
    revalidate,
    stage,
    start_validation,
    validate,
)
from ground.imports.registry import importer_for, register

__all__ = [
    "BatchStatus", "CachedBatch", "CachedBatches", "Job", "ModelBatches", "Outcome", "Progress", "SheetImport",
    "StalePlan", "cancel", "commit", "commit_if_clean", "importer_for", "receive", "register", "request_commit",
    "retry", "revalidate", "stage", "start_validation", "validate",
]
