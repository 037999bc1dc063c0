"""The client address behind a reverse proxy (forwarded headers believed only from a trusted proxy,
the chain read from the right), and the sign-in route's guards: posts from another site refused,
and after signing in only this site's paths."""
import pytest

from dashboard.infra.client_address import TrustedProxyError, resolve, trusted_networks

NGINX = trusted_networks("127.0.0.1/32, 10.0.0.0/24")


@pytest.mark.parametrize("peer, headers, client", [
    ("127.0.0.1", {"X-Forwarded-For": "192.168.5.7"}, "192.168.5.7"),                 # through nginx
    ("127.0.0.1", {"X-Real-IP": "192.168.5.8"}, "192.168.5.8"),
    ("127.0.0.1", {"x-forwarded-for": "6.6.6.6, 192.168.5.7"}, "192.168.5.7"),        # client forged the first hop
    ("127.0.0.1", {"X-Forwarded-For": "192.168.5.7, 10.0.0.3"}, "192.168.5.7"),       # two trusted proxies
    ("192.168.9.9", {"X-Forwarded-For": "10.66.0.1", "X-Real-IP": "10.66.0.1"}, "192.168.9.9"),  # untrusted peer
    ("127.0.0.1", {"X-Forwarded-For": "not-an-address, 192.168.5.7"}, "192.168.5.7"),
    ("127.0.0.1", {"X-Forwarded-For": "192.168.5.7, garbage"}, "127.0.0.1"),         # nothing left of it is sure
    ("127.0.0.1", {}, "127.0.0.1"),
    ("", {"X-Forwarded-For": "192.168.5.7"}, ""),
])
def test_resolve(peer, headers, client):
    assert resolve(peer, headers, NGINX) == client


def test_no_trusted_proxy_configured_means_no_header_is_believed():
    assert resolve("127.0.0.1", {"X-Forwarded-For": "192.168.5.7"}, trusted_networks("")) == "127.0.0.1"


def test_a_bad_trusted_list_is_refused_with_a_message():
    with pytest.raises(TrustedProxyError, match="HOTLINE_TRUSTED_PROXIES"):
        trusted_networks("127.0.0.1/32, nginx.local")


def test_sign_in_posts_from_another_site_are_refused():
    from starlette.requests import Request

    from dashboard.web.signin_routes import same_origin

    def request(headers: dict) -> Request:
        return Request({"type": "http", "method": "POST", "path": "/auth/local/login",
                        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})

    assert same_origin(request({"Host": "dashboard.tzq.gov.cn", "Origin": "https://dashboard.tzq.gov.cn"}))
    assert same_origin(request({"Host": "127.0.0.1", "Origin": "http://127.0.0.1:8600"}))   # proxy dropped the port
    assert same_origin(request({"Host": "dashboard.tzq.gov.cn"}))                             # no Origin: not a browser
    assert not same_origin(request({"Host": "dashboard.tzq.gov.cn", "Origin": "https://evil.example"}))
    assert not same_origin(request({"Host": "dashboard.tzq.gov.cn", "Origin": "null"}))


@pytest.mark.parametrize("raw, target", [
    ("/wall?kiosk=1", "/wall?kiosk=1"), ("/", "/"), ("", "/"), ("https://evil.example/", "/"),
    ("//evil.example/", "/"), ("/\\evil.example", "/"), ("/\t/evil.example", "/"), ("wall", "/"),
])
def test_after_sign_in_only_this_sites_paths(raw, target):
    from dashboard.web.signin_routes import safe_next

    assert safe_next(raw) == target
