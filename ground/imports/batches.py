"""Where an import's batch lives between the steps: its status, progress, counts and problems.

A batch is any object with the attributes of `BatchFields`. Two stores keep them:

- `ModelBatches`: rows of a model (inventory's ImportBatch), for uploads kept on the platform;
- `CachedBatches`: entries of Django's cache, for small sheets that must not be kept on disk
  (account allocation: its rows carry people's phones and e-mails) and wait only between preview
  and confirm.

The pipeline (ground.imports.pipeline) reads and writes batches only through a store.
"""

import contextlib
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("待确认")
    COMMITTING = "committing", _("导入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


# A batch in these states is finished with: validation leaves it alone.
SETTLED = frozenset({BatchStatus.COMMITTING, BatchStatus.COMMITTED, BatchStatus.CANCELLED})
# A batch in these states is waiting for a worker or being worked on: it should move (the sweeper).
RUNNING = frozenset({BatchStatus.UPLOADED, BatchStatus.VALIDATING, BatchStatus.COMMITTING})
# A batch in these states may be cancelled.
CANCELLABLE = frozenset({BatchStatus.UPLOADED, BatchStatus.VALIDATING, BatchStatus.VALIDATED, BatchStatus.FAILED})


class Batch(Protocol):
    """What the pipeline reads of a batch (ImportBatch's fields; CachedBatch has the same)."""

    pk: Any
    kind: str
    status: str
    original_name: str
    created_by_id: int | None
    organization_id: int | None
    counts: dict
    errors: list
    total_rows: int
    validated_at: Any
    all_or_nothing: bool


class BatchStore(Protocol):
    def get(self, pk: Any) -> Batch: ...

    def update(self, batch: Batch, *, only_if: frozenset[str] | None = None, **fields: Any) -> bool:
        """Set fields on the batch and keep them; with `only_if`, only while its status is one of
        those. False when the batch was not updated (gone, or in another status)."""

    def committable(self, actor: Any, batch: Batch) -> Batch:
        """The batch re-read within what `actor` may commit or cancel; raises `self.DoesNotExist`."""

    def locked(self, batch: Batch) -> Batch:
        """The batch re-read and held until the surrounding transaction ends (one committer)."""

    @contextlib.contextmanager
    def local_path(self, batch: Batch) -> Iterator[Path]: ...

    def file_exists(self, batch: Batch) -> bool: ...

    def count_delivery(self, batch: Batch) -> int:
        """One more start of the batch's current step by a worker, kept at once; returns the count."""


class ModelBatches:
    """Batches kept as rows of a model with the fields of `Batch` and a `file` FileField.

    `queryset` gives the rows of one import (a kind); it must answer `editable_by(actor)`."""

    def __init__(self, queryset: Callable[[], models.QuerySet]) -> None:
        self.queryset = queryset
        self.DoesNotExist = queryset().model.DoesNotExist

    def _touched(self, fields: dict[str, Any]) -> dict[str, Any]:
        """`fields` with the time of this change as the batch's last progress, when the model keeps it."""
        model = self.queryset().model
        if any(f.name == "last_progress_at" for f in model._meta.concrete_fields):
            fields.setdefault("last_progress_at", timezone.now())
        return fields

    def count_delivery(self, batch: Batch) -> int:
        """One more start of the batch's current step, kept at once (outside any transaction of
        the step); returns the count."""
        rows = self.queryset().filter(pk=batch.pk)
        rows.update(delivery_attempts=models.F("delivery_attempts") + 1, last_progress_at=timezone.now())
        batch.delivery_attempts = rows.values_list("delivery_attempts", flat=True).get()
        return batch.delivery_attempts

    def get(self, pk: Any) -> Batch:
        return self.queryset().select_related("created_by", "organization").get(pk=pk)

    def update(self, batch: Batch, *, only_if: frozenset[str] | None = None, **fields: Any) -> bool:
        rows = self.queryset().filter(pk=batch.pk)
        if only_if is not None:
            rows = rows.filter(status__in=list(only_if))
        fields = self._touched(fields)
        done = bool(rows.update(**fields))
        if done:
            for name, value in fields.items():
                setattr(batch, name, value)
        return done

    def committable(self, actor: Any, batch: Batch) -> Batch:
        return self.queryset().editable_by(actor).select_related("organization", "created_by").get(pk=batch.pk)

    def locked(self, batch: Batch) -> Batch:
        rows = self.queryset().select_for_update(of=("self",))
        return rows.select_related("organization", "created_by").get(pk=batch.pk)

    @contextlib.contextmanager
    def local_path(self, batch: Batch) -> Iterator[Path]:
        """A local path to the batch's file (a copy when the storage is not a local folder)."""
        try:
            local = Path(batch.file.path)
        except NotImplementedError:
            local = None
        if local is not None:
            yield local
            return
        with tempfile.NamedTemporaryFile(suffix=Path(batch.original_name).suffix) as handle:
            with batch.file.open("rb") as source:
                while block := source.read(1024 * 1024):
                    handle.write(block)
            handle.flush()
            yield Path(handle.name)

    def file_exists(self, batch: Batch) -> bool:
        return bool(batch.file) and batch.file.storage.exists(batch.file.name)


@dataclass
class CachedBatch:
    """A batch kept in the cache: the fields of `Batch`, the file's bytes, and who uploaded it."""

    kind: str
    original_name: str
    content: bytes = field(repr=False)
    created_by_id: int | None
    organization_id: int | None = None
    pk: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    status: str = BatchStatus.UPLOADED
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    total_rows: int = 0
    validated_at: Any = None
    committed_at: Any = None
    all_or_nothing: bool = True
    progress: int = 0
    progress_message: str = ""
    failure: str = ""
    task_id: str = ""
    # What the commit produced that only its uploader may fetch, once (allocation: the result sheet).
    result: Any = None
    # The rows with problems as read, for the error report (ground.imports.problems).
    problem_rows: dict | None = None
    created_at: Any = field(default_factory=timezone.now)
    delivery_attempts: int = 0


class CachedBatches:
    """Batches kept in Django's cache for `timeout` seconds, each visible only to its uploader."""

    class DoesNotExist(Exception):
        """Expired, never there, or another user's."""

    def __init__(self, kind: str, *, timeout: int) -> None:
        self.kind = kind
        self.timeout = timeout

    def _key(self, pk: Any) -> str:
        return f"imports:{self.kind}:{pk}"

    def add(self, batch: CachedBatch) -> CachedBatch:
        cache.set(self._key(batch.pk), batch, self.timeout)
        return batch

    def get(self, pk: Any) -> CachedBatch:
        batch = cache.get(self._key(pk)) if isinstance(pk, str) else None
        if batch is None:
            raise self.DoesNotExist
        return batch

    def update(self, batch: CachedBatch, *, only_if: frozenset[str] | None = None, **fields: Any) -> bool:
        try:
            current = self.get(batch.pk)
        except self.DoesNotExist:
            return False
        if only_if is not None and current.status not in only_if:
            return False
        for name, value in fields.items():
            setattr(current, name, value)
            setattr(batch, name, value)
        cache.set(self._key(batch.pk), current, self.timeout)
        return True

    def count_delivery(self, batch: CachedBatch) -> int:
        attempts = getattr(self.get(batch.pk), "delivery_attempts", 0) + 1
        self.update(batch, delivery_attempts=attempts)
        return attempts

    def delete(self, batch: CachedBatch) -> None:
        cache.delete(self._key(batch.pk))

    def committable(self, actor: Any, batch: CachedBatch) -> CachedBatch:
        current = self.get(batch.pk)
        if actor is None or current.created_by_id != actor.pk:
            raise self.DoesNotExist
        return current

    def locked(self, batch: CachedBatch) -> CachedBatch:
        # The cache has no row lock: the commit's own transaction and the database's unique
        # constraints keep two confirmations from writing twice (the second finds it done).
        return self.get(batch.pk)

    @contextlib.contextmanager
    def local_path(self, batch: CachedBatch) -> Iterator[Path]:
        with tempfile.NamedTemporaryFile(suffix=Path(batch.original_name).suffix) as handle:
            handle.write(batch.content)
            handle.flush()
            yield Path(handle.name)

    def file_exists(self, batch: CachedBatch) -> bool:
        return batch.content is not None
