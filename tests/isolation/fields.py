"""Field-level expectations: which audience reads which fields of each scoped model, declared
once, and the markers the harness looks for in every response.

Inventory records (inventory.patents.audiences): their own audience (E.PATENTS_OWN) reads every
field; library viewers read the library card only. The world gives each record distinct values in
an internal field of each kind (remarks, responsible staff) and distinct personal data (contact
phone and e-mail), so that a page, export or API response serving one to the wrong reader is
caught by the same text scan as an out-of-scope object. Personal data may appear unmasked only to
the owning institution's staff and invited inventors, and the operator.
"""

import re

from accounts.roles import Role, role_of

from . import expectations as E

# Internal fields of a record, as the world fills them (tests/world.py), for the scan.
INTERNAL_MARKERS = {"remarks": "内部备注{serial}", "responsible_person": "负责人{serial}"}
PERSONAL_MARKERS = {"contact_phone": "{phone}", "contact_email": "contact{serial}@example.edu.cn"}
CONTACT_ROLES = {Role.INSTITUTION, Role.INVENTOR}


def contact_readers(world, key: str) -> frozenset[str]:
    """Who may read a record's contact phone and e-mail in full: its own audience's institution
    staff and inventors, and the operator."""
    own = {u for u in E.PATENTS_OWN[key] if role_of(world.users[u]) in CONTACT_ROLES}
    operators = {u for u, user in world.users.items() if role_of(user) == Role.OPERATOR}
    return frozenset(own | operators)


def account_contact_readers(world, key: str) -> frozenset[str]:
    """Who may read an account's phone and e-mail in full: the person, the admins of their
    organisation (or department), and the operator."""
    operators = {u for u, user in world.users.items() if role_of(user) == Role.OPERATOR}
    return frozenset({key} | E.admins_of(key) | operators)


def field_markers(world) -> list[tuple[str, re.Pattern, frozenset[str]]]:
    found = []
    for key, user in world.users.items():
        for name, value in (("phone", user.phone), ("email", user.email)):
            if value:
                pattern = re.compile(rf"(?<![0-9A-Za-z_.-]){re.escape(value)}")
                found.append((f"{name} of account {key} unmasked", pattern, account_contact_readers(world, key)))
    for key, patent in world.patents.items():
        record = patent.inventory
        serial = int(record.contact_email.removeprefix("contact").split("@")[0])
        values = {"serial": serial, "phone": record.contact_phone}
        for name, template in INTERNAL_MARKERS.items():
            text = template.format(**values)
            assert getattr(record, name) == text, f"the world's {key} lacks its {name} marker"
            found.append((f"{name} of {key}", re.compile(re.escape(text)), frozenset(E.PATENTS_OWN[key])))
        for name, template in PERSONAL_MARKERS.items():
            text = template.format(**values)
            assert getattr(record, name) == text, f"the world's {key} lacks its {name} marker"
            pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(text)}")
            found.append((f"{name} of {key} unmasked", pattern, contact_readers(world, key)))
    return found
