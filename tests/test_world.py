from accounts.roles import Role


def test_world_roles(world):
    assert world.user("operator").role == Role.OPERATOR
    assert world.user("moe_admin").role == Role.MINISTRY
    assert world.user("prov_gd_admin").role == Role.PROVINCE
    assert world.user("inst_bj_moe_member").role == Role.INSTITUTION
    assert world.user("ent_gd_admin").role == Role.ENTERPRISE
    assert world.user("expert").role == Role.EXPERT
    # An enterprise awaiting approval holds no role at all.
    assert world.user("ent_gd_pending_admin").role == ""


def test_tests_hash_with_the_fast_hasher(world):
    # conftest.py must take effect: argon2 in every fixture would make the suite crawl.
    assert world.user("operator").password.startswith("md5$")
