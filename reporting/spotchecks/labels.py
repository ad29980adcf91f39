"""The strata of a spot check: a key per (是否入库, 转化意愿) as stored, and its Chinese label."""

from inventory.choices import Intent, Screening

BLANK = "-"


def stratum_key(screening: str, intents) -> str:
    """"in|license+transfer": screening and the stored intents ("-" for a blank)."""
    values = [str(v) for v in intents] if isinstance(intents, list) else []
    return f"{screening or BLANK}|{'+'.join(sorted(values)) or BLANK}"


def stratum_label(key: str) -> str:
    """"入库 · 许可、转让" for "in|license+transfer" (— for a blank)."""
    screening, intents = [*key.split("|"), BLANK][:2]
    screenings, intent_names = dict(Screening.choices), dict(Intent.choices)
    shown = "、".join(str(intent_names.get(v, v)) for v in intents.split("+")) if intents != BLANK else "—"
    return f"{screenings.get(screening, '—') if screening != BLANK else '—'} · {shown}"
