import pytest

from .world import PASSWORD, World, build_world


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    """Every test keeps its uploads and reports in its own folder, never in the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def bj(world):
    """The Beijing university's institution-level admin, who uploads in most upload tests."""
    return world.user("inst_bj_moe_admin")


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
