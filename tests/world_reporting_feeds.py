"""The fixture world's additions for the reporting area 'feeds' (called at the end of world.build_world).

Both world provinces' journals synced (北京: bj_moe_library and its submitted evaluation; 广东:
gd_library), each province's endpoint set (disabled; an address no test reaches) and its journal
cut into one batch with one logged attempt. Expectations, by hand (ARCHITECTURE.md):

- a province's feed setting, batches and delivery log are read by its provincial office and the
  operator; the setting and the batches (resend) are changed by the province's administrator and
  the operator; the delivery log by nobody;
- the journal is read by its provincial office and the operator, changed by nobody.
"""

from reporting.feeds import journal, push
from reporting.feeds.models import FeedBatch, FeedDelivery, FeedEndpoint, FeedEntry

from .isolation.objects import WorldObject

ADMINS = {"110000": "prov_bj_admin", "440000": "prov_gd_admin"}


def _obj(key, obj, viewers, editors) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), {})


def extend(world) -> dict[str, list]:
    found: dict[str, list] = {"reporting.feedendpoint": [], "reporting.feedentry": [], "reporting.feedbatch": [],
                              "reporting.feeddelivery": []}
    for code, admin in ADMINS.items():
        journal.sync(code)
        endpoint = journal.endpoint_for(code)
        FeedEndpoint.objects.filter(pk=endpoint.pk).update(url=f"https://feeds-{code}.example.invalid/hook",
                                                           secret=f"whsec_world_{code}")
        endpoint.refresh_from_db()
        push.make_batches(endpoint)
        readers = {"operator", admin}
        found["reporting.feedendpoint"].append(_obj(f"feed_{code}", endpoint, readers, readers))
        for entry in FeedEntry.objects.filter(province_id=code):
            found["reporting.feedentry"].append(_obj(f"feed_entry_{entry.pk}", entry, readers, ()))
        for batch in FeedBatch.objects.filter(province_id=code):
            found["reporting.feedbatch"].append(_obj(f"feed_batch_{code}", batch, readers, readers))
            delivery = FeedDelivery.objects.create(batch=batch, status_code=500, error="接收方返回 HTTP 500。",
                                                   duration_ms=12)
            found["reporting.feeddelivery"].append(_obj(f"feed_delivery_{code}", delivery, readers, ()))
    return found


def grow(world) -> None:
    """One round of the query-count world (tests/world_growth.py): both journals synced again and
    the new entries cut into batches, so that the feed's lists grow with the world."""
    for code in ADMINS:
        journal.sync(code)
        push.make_batches(journal.endpoint_for(code))


def fingerprint() -> tuple:
    return (
        tuple(FeedEndpoint.objects.order_by("pk").values_list(
            "pk", "url", "secret", "enabled", "purpose_needs_contacts")),
        FeedEntry.objects.count(),
        tuple(FeedBatch.objects.order_by("pk").values_list("pk", "status", "attempts")),
        FeedDelivery.objects.count(),
    )
