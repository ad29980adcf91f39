"""Bulk actions too large for one request (more than ASYNC_THRESHOLD records) run as a Celery task:
the selection's ids are read once, then the action runs chunk by chunk (each chunk one transaction
of `apply_bulk_action`), the progress kept in the cache for the page to poll, one audit event at
the end. Smaller actions run in the request (10,000 records take a few seconds)."""

import uuid
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from ground.tasks import QueueUnavailable, enqueue
from inventory.workbench.bulk import BulkError, apply_bulk_action, selection

ASYNC_THRESHOLD = 20_000
JOB_CHUNK = 10_000
JOB_TTL = 24 * 3600


# The task that runs a job (inventory.workbench.tasks registers it under this name).
BULK_ACTION_TASK = "inventory.workbench_bulk_action"


def _key(job_id: str) -> str:
    return f"workbench-bulk:{job_id}"


def job_state(job_id: str) -> dict | None:
    return cache.get(_key(job_id))


def _save(job_id: str, state: dict) -> None:
    cache.set(_key(job_id), state, JOB_TTL)


def start_job(*, actor, action: str, value: object, params: Mapping[str, str], total: int,
              back: str = "") -> str:
    """Queue the action on everything `params` selects; returns the job id the page polls."""
    job_id = uuid.uuid4().hex
    _save(job_id, {"actor": actor.pk, "action": action, "state": "queued", "total": total, "done": 0,
                   "changed": 0, "refused": 0, "message": "", "back": back})
    params = {k: str(v) for k, v in params.items()}
    transaction.on_commit(lambda: _queue(job_id, actor.pk, action, value, params))
    return job_id


def _queue(job_id: str, actor_id: int, action: str, value: object, params: Mapping[str, str]) -> None:
    """Hand the job to a worker; a broker that cannot be reached fails the job with a message the
    polling page shows (nothing was changed), instead of failing the request."""
    try:
        enqueue(BULK_ACTION_TASK, job_id, actor_id, action, value, params)
    except QueueUnavailable:
        state = job_state(job_id) or {"actor": actor_id, "action": action, "total": 0, "done": 0,
                                      "changed": 0, "refused": 0, "back": ""}
        state.update(state="failed", message=_("后台任务队列暂时无法连接,批量操作没有执行,没有修改任何记录;请稍后重试"))
        _save(job_id, state)


def run_job(job_id: str, actor_id: int, action: str, value: object, params: Mapping[str, str]) -> dict:
    """The task's work: the action chunk by chunk over the ids the filter selected at the start."""
    state = job_state(job_id) or {"actor": actor_id, "action": action, "back": ""}
    actor = get_user_model().objects.get(pk=actor_id)
    ids = list(selection(actor, params=params).order_by("pk").values_list("pk", flat=True))
    state.update(state="running", total=len(ids), done=0, changed=0, refused=0)
    _save(job_id, state)
    try:
        for start in range(0, len(ids), JOB_CHUNK):
            chunk = ids[start:start + JOB_CHUNK]
            result = apply_bulk_action(actor=actor, action=action, value=value, ids=chunk, record_audit=False)
            state.update(done=state["done"] + len(chunk), changed=state["changed"] + result.changed,
                         refused=state["refused"] + result.refused)
            _save(job_id, state)
    except BulkError as error:
        state.update(state="failed", message=str(error))
    except Exception:
        state.update(state="failed", message=_("批量操作未能完成,已完成的部分已保存;请稍后重试或联系平台运营"))
        _save(job_id, state)
        raise
    else:
        state.update(state="done")
    finally:
        audit("inventory.bulk_action", actor=actor, organization=actor.organization, action_name=action,
              value=value, filter=dict(params), selected=state["total"], changed=state["changed"],
              refused=state["refused"], job=job_id, background=True)
    _save(job_id, state)
    return state
