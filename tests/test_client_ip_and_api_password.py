"""Client addresses cannot be forged through X-Forwarded-For, and the API honours forced password changes."""

from django.test import RequestFactory, override_settings

from accounts.audit import client_ip


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_a_forged_left_hop_is_ignored():
    # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the real address.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"


def test_api_refuses_until_the_initial_password_is_changed(world, client):
    user = world.user("inst_bj_moe_admin")
    client.force_login(user)
    assert client.get("/api/v1/patents/").status_code == 200
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = client.get("/api/v1/patents/")
    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]
