"""HTTP routes added to Streamlit's server (serve.py): the password sign-in form posts here, and the
response sets the session cookie, so the cookie is written by the server (HttpOnly, SameSite=Lax,
Secure over https) and never by page JavaScript. Sign-out revokes the session in the database."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboard.infra import client_address, logs, settings
from dashboard.infra.db import shared_engine
from dashboard.services import audit, sessions
from dashboard.web import local_signin
from domain import identity

COOKIE_NAME = "hotline_session"
LOGIN_PATH = "/auth/local/login"
LOGOUT_PATH = "/auth/local/logout"
# The query parameter that tells the sign-in page why the last attempt failed.
OUTCOME_PARAM = "signin"
WAIT_PARAM = "wait"


def request_client(request: Request) -> str:
    peer = request.client.host if request.client else ""
    return client_address.resolve(peer, request.headers)


def _https(request: Request) -> bool:
    """Over https, directly or as a trusted proxy says (X-Forwarded-Proto): the cookie is Secure."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and client_address.from_trusted_proxy(peer)


def same_origin(request: Request) -> bool:
    """A form posted from another site (a forged sign-in into someone else's account) is refused;
    browsers send Origin with every POST. Host names are compared without ports: a reverse proxy
    may pass the host without the port it listens on."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).hostname == urlsplit("//" + host).hostname


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    target = (raw or "/").strip()
    # browsers drop tabs and newlines from a URL ("/\t/evil.example" becomes "//evil.example")
    if any(ord(c) < 0x21 or c == "\\" for c in target) or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _with_params(target: str, **params: str) -> str:
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in (OUTCOME_PARAM, WAIT_PARAM)]
    query += [(k, v) for k, v in params.items() if v]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


async def login(request: Request) -> Response:
    if not same_origin(request):
        return Response("跨站提交的登录请求已拒绝。", status_code=403, media_type="text/plain; charset=utf-8")
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    client = request_client(request)
    # bcrypt and the database are blocking: run them off the event loop
    result = await run_in_threadpool(local_signin.sign_in, shared_engine(settings.db_url()),
                                     str(form.get("username") or ""), str(form.get("password") or ""), client)
    if result.outcome != local_signin.OK:
        return RedirectResponse(_with_params(target, **{OUTCOME_PARAM: result.outcome,
                                                        WAIT_PARAM: str(result.wait or "")}), status_code=303)
    response = RedirectResponse(_with_params(target), status_code=303)
    response.set_cookie(COOKIE_NAME, result.token, max_age=identity.session_hours(result.role) * 3600,
                        path="/", httponly=True, samesite="lax", secure=_https(request))
    return response


def _revoke(token: str, client: str) -> None:
    engine = shared_engine(settings.db_url())
    with engine.begin() as conn:
        session = sessions.lookup(conn, token)
        if sessions.revoke(conn, token) and session:
            audit.record(conn, username=session["username"], action="logout", client=client)
            logs.event("sign_out", user=session["username"], role=session["role"], client=client)


async def logout(request: Request) -> Response:
    if not same_origin(request):
        return Response("跨站提交的退出请求已拒绝。", status_code=403, media_type="text/plain; charset=utf-8")
    token = request.cookies.get(COOKIE_NAME, "")
    if token:
        await run_in_threadpool(_revoke, token, request_client(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_https(request))
    return response


ROUTES = [Route(LOGIN_PATH, login, methods=["POST"]), Route(LOGOUT_PATH, logout, methods=["POST"])]
