import pytest

from .world import PASSWORD, World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def login(client):
    """login("inst_bj_moe_admin") signs the test client in as that world user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
