"""The co-inventor relation (CoInventorLink), built in bulk from the base library's inventor lists.

Two inventors co-invent when they are named on the same patent; the link keeps the organisation
(each institution owning the patent) and the latest application year. On PostgreSQL the whole
relation is one INSERT … SELECT: each patent's inventors unnested from the JSON list (whitespace
removed, as conflicts.clean_name does), paired with themselves (name_a < name_b), grouped, and
merged into the existing links with ON CONFLICT … GREATEST(year): the database does the work, this
process holds nothing. Elsewhere (SQLite: tests, small installs) the pairs are gathered per chunk
of patents in Python and upserted.

Only patents applied for since `since` (default: the conflict window, conflicts.COINVENTOR_YEARS)
are read: older links never make a conflict. Running it again is harmless (links only grow to a
later year); `manage.py build_coinventors` runs it, the nightly beat keeps it current.
"""

import datetime as dt
from itertools import combinations

from django.db import connection, transaction

from evaluation.rounds.conflicts import COINVENTOR_YEARS, clean_name
from evaluation.rounds.models import CoInventorLink
from inventory.models import Patent, PatentOwnership

MAX_NAME = 64
CHUNK = 5000

_POSTGRES = """
WITH names AS (
    SELECT p.id AS patent_id, EXTRACT(YEAR FROM p.application_date)::int AS year,
           regexp_replace(x.name, '\\s', '', 'g') AS name
      FROM inventory_patent p
     CROSS JOIN LATERAL unnest(ARRAY(SELECT jsonb_array_elements_text(
           CASE WHEN jsonb_typeof(p.inventors::jsonb) = 'array' THEN p.inventors::jsonb
                ELSE '[]'::jsonb END))) AS x(name)
     WHERE p.application_date >= %(since)s
), clean AS (
    SELECT DISTINCT patent_id, year, name FROM names WHERE name <> '' AND length(name) <= %(max_name)s
)
INSERT INTO evaluation_coinventorlink (organization_id, name_a, name_b, last_year)
SELECT o.organization_id, a.name, b.name, max(a.year)
  FROM clean a
  JOIN clean b ON b.patent_id = a.patent_id AND a.name < b.name
  JOIN inventory_patentownership o ON o.patent_id = a.patent_id
 GROUP BY o.organization_id, a.name, b.name
ON CONFLICT (name_a, name_b, organization_id)
DO UPDATE SET last_year = GREATEST(evaluation_coinventorlink.last_year, EXCLUDED.last_year)
"""


def default_since(today: dt.date | None = None) -> dt.date:
    return dt.date((today or dt.date.today()).year - COINVENTOR_YEARS, 1, 1)


def build_coinventors(since: dt.date | None = None, *, work_mem: str = "256MB") -> int:
    """Add or refresh the links of every patent applied for since `since`; the number of links
    written (inserted or raised to a later year)."""
    since = since or default_since()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # A larger sort and hash memory for this statement's transaction only: the grouping of
            # millions of pairs then stays in memory instead of spilling in small runs.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
            cursor.execute(_POSTGRES, {"since": since, "max_name": MAX_NAME})
            return cursor.rowcount
    return _build_portable(since)


def _build_portable(since: dt.date) -> int:
    """The same relation gathered in Python, a chunk of patents at a time, then upserted."""
    pairs: dict[tuple[str, str, int], int] = {}
    patents = Patent.objects.filter(application_date__gte=since).order_by("pk")
    last = 0
    while True:
        rows = list(patents.filter(pk__gt=last).values_list("pk", "application_date", "inventors")[:CHUNK])
        if not rows:
            break
        last = rows[-1][0]
        owners: dict[int, list[int]] = {}
        for patent_id, org in PatentOwnership.objects.filter(patent_id__in=[r[0] for r in rows]).values_list(
                "patent_id", "organization_id"):
            owners.setdefault(patent_id, []).append(org)
        for pk, applied, inventors in rows:
            names = sorted({n for n in (clean_name(v) for v in inventors or []) if n and len(n) <= MAX_NAME})
            for a, b in combinations(names, 2):
                for org in owners.get(pk, ()):
                    key = (a, b, org)
                    if pairs.get(key, 0) < applied.year:
                        pairs[key] = applied.year
    if not pairs:
        return 0
    written = 0
    with transaction.atomic():
        existing = {}
        keys = list(pairs)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for a, b, org, year in CoInventorLink.objects.filter(
                    name_a__in={k[0] for k in chunk}, name_b__in={k[1] for k in chunk}).values_list(
                    "name_a", "name_b", "organization_id", "last_year"):
                existing[(a, b, org)] = year
        links = [CoInventorLink(name_a=a, name_b=b, organization_id=org, last_year=year)
                 for (a, b, org), year in pairs.items() if existing.get((a, b, org), 0) < year]
        CoInventorLink.objects.bulk_create(links, batch_size=2000, update_conflicts=True,
                                           unique_fields=["name_a", "name_b", "organization"],
                                           update_fields=["last_year"])
        written = len(links)
    return written
