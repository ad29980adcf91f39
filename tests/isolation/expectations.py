"""Who may see what in the fixture world, written out by hand from ARCHITECTURE.md's table.

Deliberately independent of the code under test: if a scope rule in a `visible_to` method
is removed or widened, these sets no longer match what the pages show and the harness fails.
"""

PLATFORM_ADMINS = {"sysadmin", "secadmin", "auditor"}
INST_BJ_MOE = {"inst_bj_moe_admin", "inst_bj_moe_member"}
ENTERPRISES = {"ent_bj_soe_admin", "ent_gd_admin"}
# 北京示范大学's 计算机学院 (tests/world_review.py): its department admin sees and reviews only the
# department's patents (bj_moe_private) besides the national library; its inventor is granted
# bj_moe_private alone (guardian) and sees nothing else.
DEPT_ADMIN = "inst_bj_moe_dept_admin"
INVENTOR = "inst_bj_moe_inventor"

# world patent key -> users who may see it (the conversion resource library is national,
# for every role but experts; co-owners read their co-owned patents).
PATENTS: dict[str, set[str]] = {
    "bj_moe_private": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN, INVENTOR},
    # The library is national: every ministry, province, institution and enterprise browses it.
    "bj_moe_library": {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE,
                       DEPT_ADMIN, "inst_bj_local_admin", "inst_gd_local_admin", *ENTERPRISES},
    "bj_local_private": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "gd_private": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "gd_library": {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE,
                   DEPT_ADMIN, "inst_bj_local_admin", "inst_gd_local_admin", *ENTERPRISES},
    "co_owned": {"operator", "moe_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, "inst_gd_local_admin"},
}

# Who may change a patent's inventory record: the first institution patentee only (and the
# platform operator, who runs everything).
PATENT_EDITORS: dict[str, set[str]] = {
    "bj_moe_private": {"operator", *INST_BJ_MOE, DEPT_ADMIN, INVENTOR},
    "bj_moe_library": {"operator", *INST_BJ_MOE},
    "bj_local_private": {"operator", "inst_bj_local_admin"},
    "gd_private": {"operator", "inst_gd_local_admin"},
    "gd_library": {"operator", "inst_gd_local_admin"},
    "co_owned": {"operator", *INST_BJ_MOE},
}

# The patents' own data (visible_to "own"): what conversions and history follow, without the
# library cards; a department's staff their department's, an inventor what it is granted.
PATENTS_OWN: dict[str, set[str]] = {
    "bj_moe_private": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN, INVENTOR},
    "bj_moe_library": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE},
    "bj_local_private": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "gd_private": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "gd_library": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "co_owned": {"operator", "moe_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, "inst_gd_local_admin"},
}
# The records each user answers for in the inventory figures (InventoryRecord visible_to "led"):
# led by the institutions it watches; the co-owner, the inventor and the library's readers none.
RECORDS_LED: dict[str, set[str]] = {
    "bj_moe_private": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN},
    "bj_moe_library": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE},
    "bj_local_private": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "gd_private": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "gd_library": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "co_owned": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE},
}
# A workbench lists the own patents; an enterprise's lists the national library.
PATENTS_WORKBENCH: dict[str, set[str]] = {
    key: users | (ENTERPRISES if key.endswith("_library") else set()) for key, users in PATENTS_OWN.items()
}
# Whose conversions and open licences a user records: the first institution patentee's staff (a
# department's: its department's); not the operator, not an inventor.
PATENT_CONVERSION_RECORDERS: dict[str, set[str]] = {
    "bj_moe_private": {*INST_BJ_MOE, DEPT_ADMIN},
    "bj_moe_library": {*INST_BJ_MOE},
    "bj_local_private": {"inst_bj_local_admin"},
    "gd_private": {"inst_gd_local_admin"},
    "gd_library": {"inst_gd_local_admin"},
    "co_owned": {*INST_BJ_MOE},
}
# The national conversion resource library as browsed (InventoryRecord visible_to "library"):
# every ministry, province, institution (departments and all) and enterprise; not inventors,
# experts or the three administrators.
LIBRARY_BROWSERS = {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE,
                    DEPT_ADMIN, "inst_bj_local_admin", "inst_gd_local_admin", *ENTERPRISES}

# world import batch key -> users who may see the upload (the institution its own, a
# department's staff their department's uploads, the operator all), and who may commit or cancel
# it: its uploader, or an admin over the uploader (the institution-level admin; the department's
# admin for its members' uploads). The operator acts only on what it uploaded itself.
IMPORT_BATCHES: dict[str, set[str]] = {
    "bj_moe_upload": {"operator", *INST_BJ_MOE},
    "gd_upload": {"operator", "inst_gd_local_admin"},
}
IMPORT_BATCH_EDITORS: dict[str, set[str]] = {
    "bj_moe_upload": {"inst_bj_moe_admin"},
    "gd_upload": {"inst_gd_local_admin"},
}

# world organisation key -> users who may see the organisation's record.
ORGANIZATIONS: dict[str, set[str]] = {
    "platform": {"operator"},
    "moe": {"operator", "moe_admin"},
    "sasac": {"operator", "sasac_admin"},
    "prov_bj": {"operator", "prov_bj_admin"},
    "prov_gd": {"operator", "prov_gd_admin"},
    "inst_bj_moe": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN, INVENTOR},
    "inst_bj_local": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "inst_gd_local": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    # 国资委 watches the central SOEs.
    "ent_bj_soe": {"operator", "sasac_admin", "prov_bj_admin", "ent_bj_soe_admin"},
    "ent_gd": {"operator", "prov_gd_admin", "ent_gd_admin"},
    "ent_gd_pending": {"operator", "prov_gd_admin"},
}

# Organisations a user may change: the operator any; a provincial office approves or rejects its
# province's enterprises; an institution's or enterprise's admin its own organisation's record.
ORGANIZATION_EDITORS: dict[str, set[str]] = {
    "platform": {"operator"},
    "moe": {"operator"},
    "sasac": {"operator"},
    "prov_bj": {"operator"},
    "prov_gd": {"operator"},
    "inst_bj_moe": {"operator", "inst_bj_moe_admin"},
    "inst_bj_local": {"operator", "inst_bj_local_admin"},
    "inst_gd_local": {"operator", "inst_gd_local_admin"},
    "ent_bj_soe": {"operator", "prov_bj_admin", "ent_bj_soe_admin"},
    "ent_gd": {"operator", "prov_gd_admin", "ent_gd_admin"},
    "ent_gd_pending": {"operator", "prov_gd_admin"},
}

# world department key -> who sees it (the institution's staff; a department admin its own) and
# who changes it (the institution-level admin).
DEPARTMENTS: dict[str, set[str]] = {
    "dept_a": {"operator", *INST_BJ_MOE, DEPT_ADMIN},
    "dept_b": {"operator", *INST_BJ_MOE},
}
DEPARTMENT_EDITORS: dict[str, set[str]] = {
    "dept_a": {"operator", "inst_bj_moe_admin"},
    "dept_b": {"operator", "inst_bj_moe_admin"},
}
# The open self-assessment invitation (bj_moe_private, in dept_a): the institution's staff whose
# scope holds its patents see and close it; the invited inventor sees it.
# The closed one (co_owned, in dept_b, of inst_bj_moe_member) is the institution-level staff's only.
INVITATIONS: dict[str, set[str]] = {
    "invitation": {"operator", *INST_BJ_MOE, DEPT_ADMIN, INVENTOR},
    "closed_invitation": {"operator", *INST_BJ_MOE},
}
INVITATION_EDITORS: dict[str, set[str]] = {
    "invitation": {"operator", *INST_BJ_MOE, DEPT_ADMIN},
    "closed_invitation": {"operator", *INST_BJ_MOE},
}

ORG_OF_USER = {
    "operator": "platform", "sysadmin": "platform", "secadmin": "platform", "auditor": "platform",
    "moe_admin": "moe", "sasac_admin": "sasac", "prov_bj_admin": "prov_bj", "prov_gd_admin": "prov_gd",
    "inst_bj_moe_admin": "inst_bj_moe", "inst_bj_moe_member": "inst_bj_moe",
    DEPT_ADMIN: "inst_bj_moe", INVENTOR: "inst_bj_moe",
    "inst_bj_local_admin": "inst_bj_local", "inst_gd_local_admin": "inst_gd_local",
    "ent_bj_soe_admin": "ent_bj_soe", "ent_gd_admin": "ent_gd", "ent_gd_pending_admin": "ent_gd_pending",
    "expert": None,
}
# Everyone whose session is valid: an enterprise awaiting approval is signed out on its next request.
SIGNED_IN = set(ORG_OF_USER) - {"ent_gd_pending_admin"}
ORG_ADMINS = {u for u in ORG_OF_USER if u.endswith("_admin") and u not in PLATFORM_ADMINS | {"operator"}}


# Department (二级单位) of the world users that have one: a department admin manages only these.
DEPARTMENT_OF_USER = {DEPT_ADMIN: "dept_a", INVENTOR: "dept_a"}


def admins_of(target: str) -> set[str]:
    """The organisation admins over the account `target`: its organisation's institution-level
    admins, and the admin of its department."""
    org = ORG_OF_USER[target]
    if org is None:
        return set()
    return {u for u in ORG_ADMINS & SIGNED_IN if ORG_OF_USER[u] == org
            and DEPARTMENT_OF_USER.get(u) in (None, DEPARTMENT_OF_USER.get(target))}


def _account_viewers(target: str) -> set[str]:
    viewers = {"sysadmin", "secadmin", "auditor"} | ({target} & SIGNED_IN) | admins_of(target)
    if ORG_OF_USER[target] != "platform":
        viewers.add("operator")
    return viewers


def user_viewers(target: str) -> set[str]:
    """Users who may see the account `target`: itself, its organisation's admin (a department
    admin: its department's accounts), the operator (for accounts outside the platform), the
    system and security administrators (account and permission management) and the audit
    administrator (actors in the audit log); an invited inventor's name is also shown to the staff
    who see the invitation."""
    viewers = _account_viewers(target)
    if target == INVENTOR:
        viewers |= INVITATIONS["invitation"]
    return viewers


def user_records_viewers(target: str) -> set[str]:
    """Users to whom the account list (User.visible_to) offers `target`: itself, its admins, the
    operator and the system / security administrators (the audit administrator reads actors in
    the log, not the account list)."""
    return _account_viewers(target) - ({"auditor"} - {target})


def user_editors(target: str) -> set[str]:
    """Users who may change the account `target` (deactivate, reset): its organisation's admin
    (not itself) and the system / security administrators (not themselves)."""
    org = ORG_OF_USER[target]
    editors = admins_of(target) if org not in (None, "platform") else set()
    editors |= {"sysadmin", "secadmin"}
    return editors - {target}


# Text that must not leak onto a page: enterprise names (institution names legitimately
# appear as patentees on library patents, so they are not used as markers).
ENTERPRISE_NAME_MARKERS: dict[str, set[str]] = {
    "北京中央企业集团有限公司": ORGANIZATIONS["ent_bj_soe"] | PLATFORM_ADMINS,
    "广东专精特新科技有限公司": ORGANIZATIONS["ent_gd"] | PLATFORM_ADMINS,
    "广东待审核科技有限公司": ORGANIZATIONS["ent_gd_pending"] | PLATFORM_ADMINS,
}


# The objects the audit log names (visible_to(user, "audit")): accounts, organisations, departments,
# uploads and self-assessment invitations, by name only, for the audit administrator alone.
# Patents, records, conversions and open licences are business data it never names.
NAMED_IN_AUDIT_LOG = ("accounts.user", "accounts.organization", "accounts.department", "inventory.importbatch",
                      "inventory.selfassessmentinvitation")
AUDIT_LOG_READERS = {"auditor"}
