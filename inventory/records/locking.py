"""Optimistic locking of inventory records: every write adds one to `InventoryRecord.version`; an
edit carries the version its form (or API client) read, and is written only while the record is
still at that version (a conditional UPDATE … WHERE version = read). When it is not, nothing is
written and the writer is told, in Chinese, which fields changed meanwhile: their value against the
current one, read from the change history (inventory.records.history) and shown with the labels of
inventory.records.display.

What changed meanwhile: each write adds one version and, when it changes anything, one history
entry; so the record's newest (current − read) history entries are the changes since the read. (A
department's rename, written by accounts without a history entry, adds a version only.)"""

from collections.abc import Mapping

from django.db.models import F
from django.utils.translation import gettext as _

from inventory.models import InventoryChange, InventoryRecord
from inventory.records import display, history

# The most history entries read to say what changed meanwhile.
CHANGES_LIMIT = 100
# Fields a history entry may name that are not the writer's to compare (set by the review).
_NOT_SHOWN = frozenset({"listing_score"})


class StaleRecord(Exception):
    """The record changed since the writer read it at `read_version`: nothing was written.
    `changes` lists each field changed meanwhile as {"name", "label", "theirs", "current"}."""

    def __init__(self, record: InventoryRecord, read_version: int, changes: list[dict]) -> None:
        self.record = record
        self.read_version = read_version
        self.changes = changes
        super().__init__(self.message)

    @property
    def lines(self) -> list[str]:
        """The refusal, then one line per field changed meanwhile."""
        head = _("保存失败:您打开表单后,该专利的盘点信息已被他人修改(第 %(read)d 版 → 当前第 %(current)d 版)。"
                 "您的修改没有保存,也没有覆盖他人的修改;请核对下列字段后再提交。") % {
            "read": self.read_version, "current": self.record.version}
        return [head, *(_("“%(label)s”:您的值 %(theirs)s → 当前值 %(current)s") % item for item in self.changes)]

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


def parse_version(value: object) -> int | None:
    """A version as a form or a header sends it ("3", '"3"', 'W/"3"'); None when absent or not a number."""
    text = str(value or "").strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    return int(text) if text.isdigit() and len(text) < 10 else None


def versions_from(data) -> dict[int, int]:
    """{record id: version} of the ticked records of a list (`ids`) as the list showed them
    (fields `version_<id>`); `data` is the POST (a QueryDict)."""
    versions = {}
    for pk in data.getlist("ids"):
        version = parse_version(data.get(f"version_{pk}"))
        if str(pk).isdigit() and version is not None:
            versions[int(pk)] = version
    return versions


def etag(version: int) -> str:
    """The entity tag of a record at `version`: the version, quoted (what If-Match sends back)."""
    return f'"{version}"'


def changed_since(record: InventoryRecord, read_version: int) -> dict[str, list]:
    """{field: [value at read_version, current value]} for each field changed since the read
    (a field changed back is left out), in the record's field order."""
    newer = max(0, min(record.version - read_version, CHANGES_LIMIT))
    entries = list(InventoryChange.objects.filter(record_id=record.pk).order_by("-changed_at", "-id")
                   .values_list("changes", flat=True)[:newer])
    net: dict[str, list] = {}
    for changes in reversed(entries):
        for name, pair in (changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2 and name not in _NOT_SHOWN:
                net[name] = [net[name][0] if name in net else pair[0], pair[1]]
    # In the record's own field order: PostgreSQL's jsonb keeps no key order.
    order = {field.name: index for index, field in enumerate(InventoryRecord._meta.fields)}
    return {name: net[name] for name in sorted(net, key=lambda name: order.get(name, len(order)))
            if net[name][0] != net[name][1]}


def stale(record: InventoryRecord, read_version: int, submitted: Mapping[str, object]) -> StaleRecord:
    """The refusal of a write read at `read_version` of `record` (as it is now): for each field
    changed meanwhile, the writer's value (what they submitted, or the value they read) and the
    current one, as people read them."""
    meanwhile = changed_since(record, read_version)
    pairs = {name: [history.jsonable(submitted[name]) if name in submitted else read,
                    history.jsonable(getattr(record, name, current))]
             for name, (read, current) in meanwhile.items()}
    items = display.change_items(pairs, references=display.reference_names([pairs]))
    # A field the writer would set to what it already is conflicts with nothing.
    return StaleRecord(record, read_version, [
        {"name": item["name"], "label": item["label"], "theirs": item["old"], "current": item["new"]}
        for item in items if item["old"] != item["new"]])


def save_if_unchanged(record: InventoryRecord, read_version: int, submitted: Mapping[str, object]) -> None:
    """Write every field of `record` with one UPDATE … WHERE version = `read_version`, adding one to
    the version; raises StaleRecord, writing nothing, when the record has moved on."""
    fields = [field for field in InventoryRecord._meta.concrete_fields
              if not field.primary_key and field.name != "version"]
    written = InventoryRecord.objects.filter(pk=record.pk, version=read_version).update(
        version=F("version") + 1, **{field.attname: getattr(record, field.attname) for field in fields})
    if written != 1:
        raise stale(InventoryRecord.objects.get(pk=record.pk), read_version, submitted)
    record.version = read_version + 1
