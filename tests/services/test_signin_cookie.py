"""The session cookie the password sign-in route sets (dashboard.web.signin_routes, a Starlette route
served by Streamlit's server): HttpOnly and SameSite=Lax always, Secure when the request came over
https — directly, or as X-Forwarded-Proto: https from a trusted proxy (HOTLINE_TRUSTED_PROXIES), never
when anyone else sends that header. Real requests through Starlette's TestClient to the route, against
the page tests' database."""
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard.web.signin_routes import COOKIE_NAME, LOGIN_PATH, ROUTES
from tests.support.app_database import PASSWORD

NGINX = "127.0.0.1"
SOMEONE = "192.0.2.10"


def _attributes(set_cookie: str) -> tuple[str, set[str]]:
    """The cookie's name=value and its attributes, lower-cased (`samesite=lax`, `httponly`, …)."""
    first, *rest = [part.strip() for part in set_cookie.split(";")]
    return first, {part.lower() for part in rest}


def _sign_in(peer: str, scheme: str, headers: dict) -> tuple[str, set[str]]:
    app = Starlette(routes=ROUTES)
    with TestClient(app, base_url=f"{scheme}://dashboard.tzq.gov.cn", client=(peer, 40000)) as client:
        response = client.post(LOGIN_PATH, data={"username": "u_leader", "password": PASSWORD, "next": "/"},
                               headers=headers, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE_NAME}=")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return _attributes(cookies[0])


@pytest.mark.parametrize("peer, scheme, headers, secure", [
    (SOMEONE, "https", {}, True),                                       # https straight to the app
    (NGINX, "http", {"X-Forwarded-Proto": "https"}, True),               # the trusted proxy says https
    (NGINX, "http", {"X-Forwarded-Proto": "https, http"}, True),         # its own value is the first
    (SOMEONE, "http", {"X-Forwarded-Proto": "https"}, False),            # anyone else saying so is ignored
    (NGINX, "http", {}, False),                                          # plain http through the proxy
    (NGINX, "http", {"X-Forwarded-Proto": "http"}, False),
])
def test_the_session_cookie_is_httponly_lax_and_secure_only_over_https(app_db, monkeypatch, peer, scheme, headers,
                                                                        secure):
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", f"{NGINX}/32")
    monkeypatch.delenv("HOTLINE_LOCAL_LOGIN_ROLES", raising=False)
    value, attributes = _sign_in(peer, scheme, headers)
    assert len(value) > len(COOKIE_NAME) + 20                           # a token was set
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert ("secure" in attributes) is secure


def test_without_trusted_proxies_a_forwarded_https_is_not_believed(app_db, monkeypatch):
    monkeypatch.delenv("HOTLINE_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("HOTLINE_LOCAL_LOGIN_ROLES", raising=False)
    _, attributes = _sign_in(NGINX, "http", {"X-Forwarded-Proto": "https"})
    assert "secure" not in attributes and "httponly" in attributes
