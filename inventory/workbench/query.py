"""The one query layer of the workbench, used alike by the page, the API and the benchmark.

`filtered_patents` applies the filter bar's parameters to what the user may see; `page` reads one
keyset page in a whitelisted order (constant cost however deep, for 1.5 million rows); `count`
counts only the filtered ids.
"""

import base64
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role, role_of
from inventory.choices import Intent, InventoryStatus, PatentType, Prospect, ReviewState, Screening
from inventory.models import Industry, Patent, PatentIndustry, PatentTechField
from inventory.patents import normalize_ipc_prefix
from inventory.records import IMPLEMENTED, in_scope, led_records
from inventory.search import keyword_filter

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
DEFAULT_SORT = "-grant_date"

# sort key -> (model path, type of its values in a cursor)
SORTS: dict[str, tuple[str, str]] = {
    "grant_date": ("listed_grant_date", "date"),  # an annotation of workbench_scope, see there
    "application_number": ("application_number", "str"),
    "title": ("title", "str"),
    "maturity": ("inventory__maturity", "int"),
    "updated": ("inventory__updated_at", "datetime"),
}

YES_NO = {"yes": True, "no": False, "1": True, "0": False, "true": True, "false": False}

# The parameters the filter bar sends (besides q, sort and cursor).
FILTER_PARAMS = (
    "scope", "status", "review", "type", "grant_year", "ipc", "industry", "field", "maturity", "prospect",
    "screening", "in_library", "intent", "implemented", "sleeping", "department", "q",
)

# `scope`: the patents the user's figures count (inventory.records.scope). "inventory" the inventory
# scope (led by the user's institutions, valid, granted); "lead" every patent they lead, co-owned
# patents led by another institution left out.
SCOPES = ("inventory", "lead")


def _choice(choices) -> callable:
    values = {str(value) for value in choices.values}

    def parse(raw: str) -> str:
        if raw not in values:
            raise ValueError
        return raw

    return parse


def _integer(low: int, high: int):
    def parse(raw: str) -> int:
        number = int(raw)
        if not low <= number <= high:
            raise ValueError
        return number

    return parse


def _yes_no(raw: str) -> bool:
    return YES_NO[raw.lower()]


def _industry(raw: str) -> list[str]:
    """A sector code (`1`) stands for itself and its sub-sectors; a sub-sector for itself."""
    codes = list(Industry.objects.filter(Q(code=raw) | Q(parent_id=raw)).values_list("code", flat=True))
    if not codes:
        raise ValueError
    return codes


def _ipc(raw: str) -> str:
    prefix = normalize_ipc_prefix(raw)
    if not prefix or len(prefix) > 32:
        raise ValueError
    return prefix


def _scope(raw: str) -> str:
    if raw not in SCOPES:
        raise ValueError
    return raw


PARSERS = {
    "scope": _scope,
    "status": _choice(InventoryStatus),
    "review": _choice(ReviewState),
    "type": _choice(PatentType),
    "grant_year": _integer(1985, 2100),
    "ipc": _ipc,
    "industry": _industry,
    "field": _integer(1, 35),
    "maturity": _integer(1, 9),
    "prospect": _choice(Prospect),
    "screening": _choice(Screening),
    "in_library": _yes_no,
    "intent": _choice(Intent),
    "implemented": _yes_no,
    "sleeping": _yes_no,
    "department": _integer(1, 2**63 - 1),
    "q": lambda raw: raw[:200],
}


# What the filter bar calls each parameter (for the message about a value it cannot use).
LABELS = {
    "scope": gettext_lazy("范围"), "in_library": gettext_lazy("资源库"),
    "status": gettext_lazy("盘点状态"), "review": gettext_lazy("审核状态"), "type": gettext_lazy("专利类型"),
    "grant_year": gettext_lazy("授权年份"), "ipc": gettext_lazy("IPC 前缀"), "industry": gettext_lazy("战略性新兴产业"),
    "field": gettext_lazy("技术领域"), "maturity": gettext_lazy("技术成熟度"), "prospect": gettext_lazy("产业化前景"),
    "screening": gettext_lazy("是否入库"), "intent": gettext_lazy("转化意愿"), "implemented": gettext_lazy("是否实施"),
    "sleeping": gettext_lazy("沉睡专利"), "department": gettext_lazy("二级单位"), "q": gettext_lazy("关键词"),
}


@dataclass
class Filters:
    """The filter parameters understood, and a Chinese message for each one that was not."""
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def parse_filters(params: Mapping[str, str]) -> Filters:
    filters = Filters()
    for name, parse in PARSERS.items():
        raw = str(params.get(name) or "").strip()
        if not raw:
            continue
        try:
            filters.values[name] = parse(raw)
        except (ValueError, KeyError):
            filters.errors[name] = _("筛选条件“%(label)s”(%(name)s)的值“%(value)s”无效,已忽略") % {
                "label": LABELS[name], "name": name, "value": raw}
    return filters


def _intent_filter(intent: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(inventory__intents__contains=[intent])
    # SQLite has no JSON containment; the intents are distinct words none of which contains
    # another, so a text match on the stored JSON is exact.
    return Q(inventory__intents__icontains=f'"{intent}"')


def _scope_filter(user, scope: str) -> Q:
    led = Q(inventory__in=led_records(user).values("pk"))
    return led & in_scope(patent="") if scope == "inventory" else led


def apply_filters(queryset: QuerySet, values: Mapping[str, object], *, owner_id: int | None = None,
                  user=None) -> QuerySet:
    """Narrow a Patent queryset by parsed filter values (see parse_filters). `owner_id`: the
    institution whose patents the queryset holds, which the keyword search looks up in its index
    together with the words (workbench_owner); `user`: whose figures the `scope` filter follows
    (without a user, `scope` selects nothing)."""
    if "scope" in values:
        queryset = queryset.filter(_scope_filter(user, values["scope"])) if user is not None else queryset.none()
    simple = {
        "status": "inventory__status", "review": "inventory__review_state", "type": "patent_type",
        "maturity": "inventory__maturity", "prospect": "inventory__prospect",
        "screening": "inventory__screening", "in_library": "inventory__in_library",
        "department": "inventory__department_unit_id",
        # The scope's own copy where it has one (workbench_scope), served by its partial index.
        "sleeping": "listed_sleeping" if "listed_sleeping" in queryset.query.annotations else "is_sleeping",
    }
    lookups = {simple[name]: value for name, value in values.items() if name in simple}
    if lookups:
        queryset = queryset.filter(**lookups)
    if "grant_year" in values:
        year = values["grant_year"]
        # A range, not __year, on the scope's sort key where it has one (workbench_scope), so the
        # index that orders the page also finds the year.
        key = "listed_grant_date" if "listed_grant_date" in queryset.query.annotations else "grant_date"
        queryset = queryset.filter(**{f"{key}__gte": dt.date(year, 1, 1), f"{key}__lt": dt.date(year + 1, 1, 1)})
    if "ipc" in values:
        ipc = "listed_main_ipc" if "listed_main_ipc" in queryset.query.annotations else "main_ipc"
        queryset = queryset.filter(**{f"{ipc}__startswith": values["ipc"]})
    if "industry" in values:
        linked = PatentIndustry.objects.filter(industry_id__in=values["industry"]).values("patent_id")
        queryset = queryset.filter(pk__in=linked)
    if "field" in values:
        queryset = queryset.filter(pk__in=PatentTechField.objects.filter(field_id=values["field"]).values("patent_id"))
    if "intent" in values:
        queryset = queryset.filter(_intent_filter(values["intent"]))
    if "implemented" in values:
        if values["implemented"]:
            queryset = queryset.filter(inventory__implementation_status__in=sorted(IMPLEMENTED))
        else:
            queryset = queryset.filter(inventory__implementation_status="none")
    if values.get("q"):

        queryset = keyword_filter(queryset, values["q"], owner_id=owner_id)
    return queryset


def workbench_scope(user) -> QuerySet[Patent]:
    """The patents a workbench lists: those whose own data the user sees (an institution its own,
    a ministry or province the institutions it watches). The national resource library, which
    `visible_to` adds for most roles, has its own pages; for enterprises it is all they see.

    Annotated with `listed_grant_date` (the default sort key), `listed_sleeping` and
    `listed_main_ipc`: for an institution its ownership's copies (the scope's own join; a filter
    on the relation would join it again), so that the newest-first page walks the index
    (organization, grant_date) and stops after a page of matches; for everyone else the patent's."""
    scope = Patent.objects.visible_to(user, "workbench")
    if workbench_owner(user) is not None:
        return scope.annotate(
            listed_grant_date=F("ownerships__grant_date"), listed_sleeping=F("ownerships__is_sleeping"),
            listed_main_ipc=F("ownerships__main_ipc"))
    return scope.annotate(listed_grant_date=F("grant_date"), listed_sleeping=F("is_sleeping"),
                          listed_main_ipc=F("main_ipc"))


def workbench_owner(user) -> int | None:
    """The one institution whose patents the user's workbench lists (institution staff), else None."""
    return user.organization_id if role_of(user) == Role.INSTITUTION else None


def filtered_patents(user, params: Mapping[str, str]) -> QuerySet[Patent]:
    """The workbench's patents for the user (within `visible_to`), narrowed by the filter
    parameters; invalid ones are ignored (parse_filters says which)."""
    return apply_filters(workbench_scope(user), parse_filters(params).values, owner_id=workbench_owner(user),
                         user=user)


# The page counts up to this many and says "more than" beyond: counting a large institution's
# 100,000 patents exactly costs more than the page itself, so the exact figure follows by htmx.
COUNT_CAP = 1_000


def count(queryset: QuerySet, cap: int | None = None) -> int:
    """How many patents the filter selects: the filtered ids only, no ordering, no row data.
    With `cap`, counting stops at cap + 1 (the caller shows "more than cap")."""
    ids = queryset.order_by().values("pk")
    return ids[:cap + 1].count() if cap is not None else ids.count()


# --- keyset pages --------------------------------------------------------------------------------


def parse_sort(raw: str | None) -> tuple[str, bool]:
    """`-grant_date` → ("grant_date", descending); anything outside the whitelist → the default."""
    raw = (raw or "").strip()
    key = raw.lstrip("-")
    if key not in SORTS:
        raw = DEFAULT_SORT
        key = raw.lstrip("-")
    return key, raw.startswith("-")


def _encode(value: object, pk: int, *, back: bool) -> str:
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    data = json.dumps({"v": value, "id": pk, "b": back}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> tuple[object, int, bool] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value, pk, back = data["v"], int(data["id"]), bool(data.get("b"))
        if value is not None:
            value = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat,
                     "int": int, "str": str}[kind](value)
        return value, pk, back
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        return None


def _after(path: str, value: object, pk: int, descending: bool) -> Q:
    """Rows after (value, pk) in the order `path` (nulls last), `id` as tiebreak, same direction."""
    op = "lt" if descending else "gt"
    if value is None:
        return Q(**{f"{path}__isnull": True, f"pk__{op}": pk})
    return (Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{op}": pk})
            | Q(**{f"{path}__isnull": True}))


def _before(path: str, value: object, pk: int, descending: bool) -> Q:
    """Rows before (value, pk) in the same order."""
    op = "gt" if descending else "lt"
    if value is None:
        return Q(**{f"{path}__isnull": False}) | Q(**{f"{path}__isnull": True, f"pk__{op}": pk})
    return Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{op}": pk})


def _ordering(path: str, descending: bool, *, reverse: bool = False) -> list:
    nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
    if descending != reverse:
        return [F(path).desc(**nulls), F("pk").desc()]
    return [F(path).asc(**nulls), F("pk").asc()]


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None


def page(queryset: QuerySet, sort: str | None, cursor: str | None = None, size: int = PAGE_SIZE,
         load=None) -> Page:
    """One keyset page of `queryset` in the order `sort` (`-grant_date`, `title`…), after (or, for a
    backward cursor, before) the cursor's row. Cursors are opaque strings; a broken one reads the first page.

    The page is read in two steps: the ids and sort values in order (narrow rows: the database
    sorts and stops without reading a patent's or record's columns for each match), then `load(ids)`
    the rows themselves (default: `queryset` narrowed to the ids), returned in the page's order."""
    key, descending = parse_sort(sort)
    path, kind = SORTS[key]
    size = max(1, min(MAX_PAGE_SIZE, int(size)))
    decoded = _decode(cursor, kind) if cursor else None

    def keys(narrowed: QuerySet, *, reverse: bool = False) -> list[tuple]:
        ordering = _ordering(path, descending, reverse=reverse)
        return list(narrowed.order_by(*ordering).values_list("pk", path)[:size + 1])

    if decoded is None:
        found, more_before = keys(queryset), False
        more_after = len(found) > size
        found = found[:size]
    else:
        value, pk, back = decoded
        if back:
            found = keys(queryset.filter(_before(path, value, pk, descending)), reverse=True)
            more_before, more_after = len(found) > size, True
            found = found[:size][::-1]
        else:
            found = keys(queryset.filter(_after(path, value, pk, descending)))
            more_before, more_after = True, len(found) > size
            found = found[:size]
    if not found:
        return Page([], None, None)
    ids = [pk for pk, _value in found]
    loaded = {row.pk: row for row in (load(ids) if load else queryset.filter(pk__in=ids))}
    rows = [loaded[pk] for pk in ids if pk in loaded]
    (first_pk, first_value), (last_pk, last_value) = found[0], found[-1]
    return Page(
        rows,
        _encode(last_value, last_pk, back=False) if more_after else None,
        _encode(first_value, first_pk, back=True) if more_before and decoded is not None else None,
    )


@dataclass
class WorkbenchPage:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    sort: str
    filters: Filters
    # True when `total` stopped at COUNT_CAP + 1: the filter selects more than COUNT_CAP.
    total_capped: bool = False


def workbench_rows(queryset: QuerySet) -> QuerySet:
    """The columns a workbench row shows (the abstract and lists stay in the database)."""
    return queryset.select_related("inventory").defer(
        "abstract", "ipc_codes", "inventors", "patentees", "patentee_credit_codes", "funding_source",
    )


def workbench_page(user, params: Mapping[str, str], *, cursor: str | None = None,
                   page_size: int = PAGE_SIZE) -> WorkbenchPage:
    """The rows, cursors and total of one workbench page for the filter and sort in `params`."""
    filters = parse_filters(params)
    queryset = apply_filters(workbench_scope(user), filters.values, owner_id=workbench_owner(user), user=user)
    key, descending = parse_sort(params.get("sort"))
    sort = f"-{key}" if descending else key
    # The rows are loaded by id without the filters again: the ids come from the scoped query.
    result = page(queryset, sort, cursor, page_size,
                  load=lambda ids: workbench_rows(Patent.objects.filter(pk__in=ids).order_by()))
    total = count(queryset, COUNT_CAP)
    return WorkbenchPage(result.rows, result.next_cursor, result.prev_cursor, total, sort, filters,
                         total_capped=total > COUNT_CAP)


def exact_count(user, params: Mapping[str, str]) -> int:
    """The exact number of patents the filter selects (the figure a capped page loads after)."""
    return count(filtered_patents(user, params))
