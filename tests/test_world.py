from accounts.roles import Role, role_of


def test_world_roles(world):
    assert role_of(world.user("operator")) == Role.OPERATOR
    assert role_of(world.user("moe_admin")) == Role.MINISTRY
    assert role_of(world.user("prov_gd_admin")) == Role.PROVINCE
    assert role_of(world.user("inst_bj_moe_member")) == Role.INSTITUTION
    assert role_of(world.user("ent_gd_admin")) == Role.ENTERPRISE
    assert role_of(world.user("expert")) == Role.EXPERT
    # An enterprise awaiting approval holds no role at all.
    assert role_of(world.user("ent_gd_pending_admin")) is None


def test_tests_hash_with_the_fast_hasher(world):
    # conftest.py must take effect: argon2 in every fixture would make the suite crawl.
    assert world.user("operator").password.startswith("md5$")
