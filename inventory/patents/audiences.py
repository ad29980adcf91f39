"""Who reads which fields of an inventory record, declared once for pages, API and exports.

Two audiences:

- the record's own audience: those who see the patent's own data (`Patent.objects.visible_to(user,
  "own")`: the institution, or its department, its supervising ministry and province, an invited
  inventor, the operator). They read every field;
- library viewers: everyone else who browses the conversion resource library (enterprises, other
  institutions and departments, other provinces and ministries). They read the library card's
  fields (`LIBRARY_FIELDS`) and nothing internal (`INTERNAL_FIELDS`).

Every field of the model is in exactly one of the two sets (tests/test_audiences.py holds it), so
a new field must be declared before anything serves it. Contact phones and e-mails are personal
data: unmasked only for the owning institution's staff and invited inventors, and the operator
(`sees_contacts`); every other reader gets them masked (ground.privacy).
"""

from collections.abc import Iterable

from accounts.roles import Role, role_of
from ground.privacy import mask_email, mask_phone
from inventory.patents.models import Patent

# The library card: what a prospective licensee or buyer reads of a listed patent.
LIBRARY_FIELDS = frozenset({
    "id", "patent", "institution", "implementation_status", "maturity", "scenarios", "prospect", "screening",
    "intents", "license_type", "asking_price", "industry_codes", "field_numbers", "contact_name", "contact_phone",
    "contact_email", "in_library", "listing_score", "updated_at",
})
# The institution's own working data: who inventories, where, remarks, grades, disposal, review.
INTERNAL_FIELDS = frozenset({
    "status", "department", "department_unit", "responsible_person", "is_financially_funded",
    "funding_project_number", "value_grade", "disposal", "remarks", "review_state", "return_reason",
    "inventoried_at", "updated_by", "version",
})
PERSONAL_FIELDS = {"contact_phone": mask_phone, "contact_email": mask_email}

# Roles whose staff may read a contact unmasked on the records they own.
_CONTACT_ROLES = frozenset({Role.INSTITUTION, Role.INVENTOR})


def own_patent_ids(user, patent_ids: Iterable[int]) -> set[int]:
    """The patents among `patent_ids` whose own data `user` sees (one query)."""
    ids = list(patent_ids)
    if not ids:
        return set()
    return set(Patent.objects.visible_to(user, "own").filter(pk__in=ids).values_list("pk", flat=True))


def sees_contacts(user, *, own: bool) -> bool:
    """Whether `user` reads a record's contact phone and e-mail unmasked (`own`: the record is in
    the user's own audience)."""
    role = role_of(user)
    return role == Role.OPERATOR or (own and role in _CONTACT_ROLES)


def shown_value(name: str, value: object, *, contacts: bool) -> object:
    """A field's value as a reader sees it: personal data masked unless `contacts`."""
    if not contacts and name in PERSONAL_FIELDS and value:
        return PERSONAL_FIELDS[name](str(value))
    return value
