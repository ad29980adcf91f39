"""Who may see what in the fixture world, written out by hand from ARCHITECTURE.md's table.

Deliberately independent of the code under test: if a scope rule in a `visible_to` method
is removed or widened, these sets no longer match what the pages show and the harness fails.
"""

PLATFORM_ADMINS = {"sysadmin", "secadmin", "auditor"}
INST_BJ_MOE = {"inst_bj_moe_admin", "inst_bj_moe_member"}
ENTERPRISES = {"ent_bj_soe_admin", "ent_gd_admin"}

# world patent key -> users who may see it (the conversion resource library is national,
# for every role but experts; co-owners read their co-owned patents).
PATENTS: dict[str, set[str]] = {
    "bj_moe_private": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE},
    "bj_moe_library": {"operator", "moe_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, *ENTERPRISES},
    "bj_local_private": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "gd_private": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
    "gd_library": {"operator", "prov_bj_admin", "prov_gd_admin", "inst_gd_local_admin", *ENTERPRISES},
    "co_owned": {"operator", "moe_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, "inst_gd_local_admin"},
}

# Who may change a patent's inventory record: the first institution patentee only (and the
# platform operator, who runs everything).
PATENT_EDITORS: dict[str, set[str]] = {
    "bj_moe_private": {"operator", *INST_BJ_MOE},
    "bj_moe_library": {"operator", *INST_BJ_MOE},
    "bj_local_private": {"operator", "inst_bj_local_admin"},
    "gd_private": {"operator", "inst_gd_local_admin"},
    "gd_library": {"operator", "inst_gd_local_admin"},
    "co_owned": {"operator", *INST_BJ_MOE},
}

# world import batch key -> users who may see the upload (the institution its own, the operator
# all), and who may commit or cancel it (the uploading institution's users only).
IMPORT_BATCHES: dict[str, set[str]] = {
    "bj_moe_upload": {"operator", *INST_BJ_MOE},
    "gd_upload": {"operator", "inst_gd_local_admin"},
}
IMPORT_BATCH_EDITORS: dict[str, set[str]] = {
    "bj_moe_upload": {"operator", *INST_BJ_MOE},
    "gd_upload": {"operator", "inst_gd_local_admin"},
}

# world organisation key -> users who may see the organisation's record.
ORGANIZATIONS: dict[str, set[str]] = {
    "platform": {"operator"},
    "moe": {"operator", "moe_admin"},
    "sasac": {"operator", "sasac_admin"},
    "prov_bj": {"operator", "prov_bj_admin"},
    "prov_gd": {"operator", "prov_gd_admin"},
    "inst_bj_moe": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE},
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

ORG_OF_USER = {
    "operator": "platform", "sysadmin": "platform", "secadmin": "platform", "auditor": "platform",
    "moe_admin": "moe", "sasac_admin": "sasac", "prov_bj_admin": "prov_bj", "prov_gd_admin": "prov_gd",
    "inst_bj_moe_admin": "inst_bj_moe", "inst_bj_moe_member": "inst_bj_moe",
    "inst_bj_local_admin": "inst_bj_local", "inst_gd_local_admin": "inst_gd_local",
    "ent_bj_soe_admin": "ent_bj_soe", "ent_gd_admin": "ent_gd", "ent_gd_pending_admin": "ent_gd_pending",
    "expert": None,
}
# Everyone whose session is valid: an enterprise awaiting approval is signed out on its next request.
SIGNED_IN = set(ORG_OF_USER) - {"ent_gd_pending_admin"}
ORG_ADMINS = {u for u in ORG_OF_USER if u.endswith("_admin") and u not in PLATFORM_ADMINS | {"operator"}}


def user_viewers(target: str) -> set[str]:
    """Users who may see the account `target`: itself, its organisation's admin, the operator
    (for accounts outside the platform), the system and security administrators (account and
    permission management) and the audit administrator (actors in the audit log)."""
    viewers = {"sysadmin", "secadmin", "auditor"} | ({target} & SIGNED_IN)
    org = ORG_OF_USER[target]
    if org != "platform":
        viewers.add("operator")
    viewers |= {u for u in ORG_ADMINS & SIGNED_IN if org is not None and ORG_OF_USER[u] == org}
    return viewers


def user_records_viewers(target: str) -> set[str]:
    """Users to whom the account list (User.visible_to) offers `target`: as user_viewers, but the
    audit administrator reads actors in the log, not the account list."""
    return user_viewers(target) - ({"auditor"} - {target})


def user_editors(target: str) -> set[str]:
    """Users who may change the account `target` (deactivate, reset): its organisation's admin
    (not itself) and the system / security administrators (not themselves)."""
    org = ORG_OF_USER[target]
    editors = {u for u in ORG_ADMINS & SIGNED_IN if org not in (None, "platform") and ORG_OF_USER[u] == org}
    editors |= {"sysadmin", "secadmin"}
    return editors - {target}


# Text that must not leak onto a page: enterprise names (institution names legitimately
# appear as patentees on library patents, so they are not used as markers).
ENTERPRISE_NAME_MARKERS: dict[str, set[str]] = {
    "北京中央企业集团有限公司": ORGANIZATIONS["ent_bj_soe"] | PLATFORM_ADMINS,
    "广东专精特新科技有限公司": ORGANIZATIONS["ent_gd"] | PLATFORM_ADMINS,
    "广东待审核科技有限公司": ORGANIZATIONS["ent_gd_pending"] | PLATFORM_ADMINS,
}
