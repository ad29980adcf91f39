"""The quarterly statistics' rules: compute a quarter (a draft, or a correction beside a published
run), publish it with the national bulletin, sign off a province's or a ministry's figures, and
show what a correction changed. Used alike by the pages, the API, `manage.py compute_stats` and beat.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Organization, User
from accounts.roles import Role, role_of
from ground.tasks import enqueue
from notifications.services import notify
from reporting.statistics.compute import COUNT_FIELDS, every_scope
from reporting.statistics.definitions import BY_KEY, CURRENT_VERSION
from reporting.statistics.models import Bulletin, QuarterlyStat, RunStatus, ScopeKind, SignOff, StatRun
from reporting.statistics.presentation import scope_name
from reporting.statistics.quarters import Quarter

COMPUTE_TASK = "reporting.compute_stats"


class StatisticsError(ValueError):
    """A refused operation on the statistics, with the Chinese message to show."""


def request_computation(text: str, *, user: User, note: str = "") -> Quarter:
    """Queue the computation of the ended quarter `text` (a draft, or a correction beside a
    published run) at the platform operator's request, from the page or the API. PermissionDenied
    for anyone else, QuarterError for a quarter that does not exist or has not ended, and
    QueueUnavailable when the broker is out of reach: nothing queued then."""
    if role_of(user) != Role.OPERATOR:
        raise PermissionDenied(_("仅平台运营可以计算季度统计"))
    quarter = Quarter.ended(text)
    enqueue(COMPUTE_TASK, str(quarter), user_id=user.pk, note=note[:500])
    return quarter


def compute_quarter(quarter: Quarter, *, user: User | None = None, note: str = "") -> StatRun:
    """Count `quarter` for every scope. A quarter without a published run gets (or has replaced) its
    draft; a published quarter stays as it is and the counts become a correction: a new draft
    revision beside it. `user` None is beat or `manage.py compute_stats` (the platform)."""
    if user is not None and role_of(user) != Role.OPERATOR:
        raise PermissionDenied
    started = time.monotonic()
    rows = every_scope(quarter)
    with transaction.atomic():
        runs = StatRun.objects.select_for_update().filter(quarter=str(quarter))
        draft = runs.filter(status=RunStatus.DRAFT).order_by("-revision").first()
        published = runs.filter(status=RunStatus.PUBLISHED).exists()
        if draft is None:
            revision = (runs.aggregate(top=Max("revision"))["top"] or 0) + 1
            if published and not note.strip():
                note = _("更正(重新计算)")
            draft = StatRun.objects.create(quarter=str(quarter), revision=revision,
                                           definition_version=CURRENT_VERSION, computed_by=user, note=note.strip())
        else:
            # A draft is not yet anyone's reference: computing again replaces its rows. Sign-offs
            # confirmed the old figures: they stand only if no figure moved.
            if _figures(draft.stats.all()) != _figures_of_rows(rows):
                cleared = draft.signoffs.count()
                draft.signoffs.all().delete()
                if cleared:
                    audit.record("statistics.signoffs_cleared", actor=user, target=draft, quarter=str(quarter),
                                 revision=draft.revision, signoffs=cleared)
            draft.stats.all().delete()
            draft.definition_version = CURRENT_VERSION
            draft.computed_at, draft.computed_by = timezone.now(), user
            if note.strip():
                draft.note = note.strip()
        QuarterlyStat.objects.bulk_create(
            [QuarterlyStat(run=draft, definition_version=draft.definition_version, scope=row.scope,
                           province_id=row.province_id, organization_id=row.organization_id,
                           ministry_id=row.ministry_id, **row.values) for row in rows],
            batch_size=2000)
        draft.seconds = round(time.monotonic() - started, 3)
        draft.save()
        audit.record("statistics.compute", actor=user, target=draft, quarter=str(quarter),
                     revision=draft.revision, rows=len(rows), seconds=draft.seconds)
    return draft


def _figures(stats) -> set[tuple]:
    return {(stat.scope, stat.province_id, stat.organization_id,
             tuple(getattr(stat, name) for name in COUNT_FIELDS), json.dumps(stat.breakdown, sort_keys=True))
            for stat in stats}


def _figures_of_rows(rows) -> set[tuple]:
    return {(row.scope, row.province_id, row.organization_id,
             tuple(row.values[name] for name in COUNT_FIELDS), json.dumps(row.values["breakdown"], sort_keys=True))
            for row in rows}


def recompute_run(run: StatRun, *, user: User | None = None) -> StatRun:
    """Compute `run`'s quarter again into `run` itself: allowed for a draft only. A published
    (frozen) run is never rewritten: its correction is a new revision (compute_quarter)."""
    if run.is_frozen:
        raise StatisticsError(_("%(quarter)s 第 %(revision)d 版已发布并冻结,不能改写;如需更正,请计算更正版本")
                              % {"quarter": run.quarter, "revision": run.revision})
    return compute_quarter(Quarter.parse(run.quarter), user=user)


def publish(run: StatRun, *, user: User, title: str = "", summary: str = "") -> Bulletin:
    """Freeze `run`, supersede the quarter's earlier published revision, publish the national
    bulletin with it, and notify every ministry and provincial office."""
    if role_of(user) != Role.OPERATOR:
        raise PermissionDenied(_("仅平台运营可以发布季度统计"))
    with transaction.atomic():
        run = StatRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.DRAFT:
            raise StatisticsError(_("%(quarter)s 第 %(revision)d 版已发布,不能重复发布")
                                  % {"quarter": run.quarter, "revision": run.revision})
        quarter = Quarter.parse(run.quarter)
        earlier = StatRun.objects.filter(quarter=run.quarter, status=RunStatus.PUBLISHED)
        superseded = list(earlier.values_list("revision", flat=True))
        earlier.update(status=RunStatus.SUPERSEDED)
        now = timezone.now()
        run.status, run.published_at, run.published_by = RunStatus.PUBLISHED, now, user
        run.save(update_fields=["status", "published_at", "published_by"])
        default_title = _("%(quarter)s 高校和科研机构存量专利盘活工作进展通报") % {"quarter": quarter.label()}
        if superseded:
            default_title += _("(更正版)")
        bulletin = Bulletin.objects.create(run=run, title=(title or default_title)[:200], summary=summary,
                                           published_at=now, published_by=user)
        audit.record("statistics.publish", actor=user, target=run, quarter=run.quarter, revision=run.revision,
                     superseded=superseded)
        recipients = User.objects.filter(is_active=True, organization__kind__in=[
            Organization.Kind.MINISTRY, Organization.Kind.PROVINCE])
        notify(recipients, "statistics.bulletin", bulletin.title,
               _("%(quarter)s 统计数据已发布(第 %(revision)d 版),请查阅本单位的统计和通报。")
               % {"quarter": quarter.label(), "revision": run.revision},
               url=reverse("reporting:stat_run", kwargs={"pk": run.pk}))
    return bulletin


def signoff_scope(user: User) -> dict:
    """The scope `user` signs off: a provincial office its province, a ministry itself; the
    admins of those organisations only."""
    role = role_of(user)
    if role == Role.PROVINCE and user.is_org_admin and user.organization.province_id:
        return {"province_id": user.organization.province_id, "organization": None}
    if role == Role.MINISTRY and user.is_org_admin:
        return {"province_id": None, "organization": user.organization}
    raise PermissionDenied


def sign_off(run: StatRun, *, user: User, note: str = "", province: str | None = None,
             ministry: int | None = None) -> SignOff:
    """Sign off the user's own figures of `run`. Naming another province or ministry is refused."""
    scope = signoff_scope(user)
    own_province, own_org = scope["province_id"], scope["organization"]
    if (province and province != own_province) or (ministry and (own_org is None or ministry != own_org.pk)):
        raise StatisticsError(_("只能签认本单位的统计数据,不能签认其他省份或部委的数据"))
    if run.status == RunStatus.SUPERSEDED:
        raise StatisticsError(_("%(quarter)s 第 %(revision)d 版已被更正版本取代,请签认最新版本")
                              % {"quarter": run.quarter, "revision": run.revision})
    with transaction.atomic():
        existing = SignOff.objects.filter(run=run, province_id=own_province, organization=own_org).first()
        if existing is not None:
            raise StatisticsError(_("本单位已于 %(when)s 签认 %(quarter)s 第 %(revision)d 版")
                                  % {"when": timezone.localtime(existing.signed_at).strftime("%Y-%m-%d %H:%M"),
                                     "quarter": run.quarter, "revision": run.revision})
        signoff = SignOff.objects.create(run=run, province_id=own_province, organization=own_org,
                                         note=note.strip()[:500], signed_by=user)
        audit.record("statistics.signoff", actor=user, target=run, quarter=run.quarter, revision=run.revision,
                     province=own_province or "", ministry=own_org.pk if own_org else None)
    return signoff


@dataclass(frozen=True)
class Difference:
    scope: QuarterlyStat
    figure: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def scope_name(self) -> str:
        return scope_name(self.scope)

    @property
    def label(self) -> str:
        return str(BY_KEY[self.figure].label)


def _key(stat: QuarterlyStat) -> tuple:
    return stat.scope, stat.province_id, stat.organization_id


def differences(earlier: StatRun, later: StatRun, user: User) -> list[Difference]:
    """What `later` changes against `earlier` (the same quarter), in the rows `user` reads."""
    visible = QuarterlyStat.objects.visible_to(user).select_related("province", "organization")
    before = {_key(stat): stat for stat in visible.filter(run=earlier)}
    found = []
    for stat in visible.filter(run=later).order_by("scope", "province_id", "organization_id"):
        old = before.get(_key(stat))
        for name in COUNT_FIELDS:
            old_value = getattr(old, name) if old is not None else 0
            if getattr(stat, name) != old_value:
                found.append(Difference(stat, name, old_value, getattr(stat, name)))
    return found


def scope_order() -> list[str]:
    return [ScopeKind.NATIONAL, ScopeKind.MINISTRY, ScopeKind.PROVINCE, ScopeKind.INSTITUTION]
