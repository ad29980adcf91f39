"""What a request read, noted where it is read and written to the audit log once, at the end of
the request (accounts.middleware.AuditedAccessMiddleware).

- Personal data: a page or API response showing records' or users' contact phone or e-mail
  unmasked notes the kind of object and how many (`note_personal_read`); never the values.
- Bulk reads: an API response carrying more than API_BULK_READ_THRESHOLD objects
  (`note_bulk_read`).
"""

from django.conf import settings

PERSONAL = "_audited_personal_reads"
BULK = "_audited_bulk_reads"


def _http_request(request):
    # A DRF Request wraps the HttpRequest the middleware sees.
    return getattr(request, "_request", request)


def _note(request, key: str, object_type: str, count: int) -> None:
    if request is None or count <= 0:
        return
    tally = _http_request(request).__dict__.setdefault(key, {})
    tally[object_type] = tally.get(object_type, 0) + count


def note_personal_read(request, object_type: str, count: int = 1) -> None:
    """`request` showed `count` objects of `object_type` ("accounts.user") with personal data unmasked."""
    _note(request, PERSONAL, object_type, count)


def note_bulk_read(request, object_type: str, count: int) -> None:
    """`request` (an API list) returned `count` objects of `object_type`; noted above the threshold."""
    if count > settings.API_BULK_READ_THRESHOLD:
        _note(request, BULK, object_type, count)


def personal_reads(request) -> dict[str, int]:
    return dict(getattr(request, PERSONAL, {}))


def bulk_reads(request) -> dict[str, int]:
    return dict(getattr(request, BULK, {}))
