"""What the sign-in page shows: 「统一身份认证登录」 where single sign-on is configured, the password
form (a plain HTML form the browser posts to the sign-in route, which sets the HttpOnly cookie), and
the second-factor step (TOTP enrolment with a QR code and recovery codes, or a code)."""
from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from dashboard.infra import settings
from dashboard.services import second_factor, sessions
from dashboard.web import auth, local_signin, sso
from dashboard.web.reads import engine
from dashboard.web.signin_routes import LOGIN_PATH, OUTCOME_PARAM, WAIT_PARAM
from domain import access
from queries.schema import tickets


def _plain_ticket_no(value: str) -> bool:
    """A ticket number as the tickets table can hold it (imports take any printable text)."""
    return 0 < len(value) <= tickets.c.ticket_no.type.length and value.isprintable()


# Query parameters kept across sign-in (the wall PC's bookmark /wall?kiosk=1&refresh=30&rotate=60,
# the meeting room's /standup?projector=1, a link to one ticket /tickets?ticket=…).
_KEPT_PARAMS = {"kiosk": str.isdigit, "refresh": str.isdigit, "rotate": str.isdigit, "projector": str.isdigit,
                "ticket": _plain_ticket_no}

_FORM_STYLE = """
<style>
.hotline-signin{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:1rem 1.25rem 1.25rem}
.hotline-signin h3{margin:0 0 .75rem 0;font-size:1.25rem}
.hotline-signin label{display:block;font-size:.875rem;margin:.5rem 0 .25rem}
.hotline-signin input{width:100%;box-sizing:border-box;padding:.5rem .75rem;font-size:1rem;
  border:1px solid #d5dae3;border-radius:.5rem;background:#e9eef5}
.hotline-signin button{width:100%;margin-top:1rem;padding:.5rem;font-size:1rem;color:#fff;
  background:#1f5fa8;border:none;border-radius:.5rem;cursor:pointer}
</style>
"""


def password_login_offered() -> bool:
    allowed = settings.local_login_roles()
    return allowed is None or any(role in access.ROLES for role in allowed)


def return_path() -> str:
    """This page's path and kept parameters, to come back to after signing in. Built from known page
    paths and checked values only: nothing the visitor typed reaches the form's markup."""
    try:
        path = urlsplit(st.context.url or "").path
    except Exception:  # noqa: BLE001 - no browser connection
        path = "/"
    known = {"/" + p.path for p in access.PAGES if p.path}
    tail = "/" + path.rstrip("/").rsplit("/", 1)[-1] if path.strip("/") else "/"
    target = tail if tail in known else "/"
    kept = {k: str(v) for k, v in st.query_params.items() if k in _KEPT_PARAMS and _KEPT_PARAMS[k](str(v))}
    return target + ("?" + urlencode(kept) if kept else "")


def _outcome_message() -> str | None:
    outcome = st.query_params.get(OUTCOME_PARAM)
    if outcome not in local_signin.MESSAGES:
        return None
    wait = str(st.query_params.get(WAIT_PARAM) or "")
    return local_signin.MESSAGES[outcome].format(wait=int(wait) if wait.isdigit() else "")


def password_form() -> None:
    if not password_login_offered():
        return
    form = (
        _FORM_STYLE
        + f'<form class="hotline-signin" method="post" action="{LOGIN_PATH}">'
        + '<h3>账号密码登录</h3>'
        + '<label for="hotline-username">用户名</label>'
        + '<input id="hotline-username" name="username" autocomplete="username" required maxlength="64">'
        + '<label for="hotline-password">密码</label>'
        + '<input id="hotline-password" name="password" type="password" autocomplete="current-password" required>'
        + f'<input type="hidden" name="next" value="{html.escape(return_path(), quote=True)}">'
        + '<button type="submit">登录</button></form>'
    )
    st.html(form)
    message = _outcome_message()
    if message:
        st.error(message)


def single_sign_on() -> None:
    if not sso.configured():
        return
    refused = sso.refusal()
    if refused:
        st.error(refused)
        if not sso.may_sign_in_again():
            if st.button("退出统一身份认证", key="sso_logout_button", width="stretch"):
                sso.logout()
            return
    if st.button("统一身份认证登录", key="sso_login_button", type="primary", width="stretch",
                 icon=":material/badge:"):
        sso.login()
    if password_login_offered():
        st.caption("未接入统一身份认证的账号（如大屏电脑）可使用下方账号密码登录。")


def second_factor_step(user: auth.CurrentUser) -> None:
    """Enrol (QR code, then a first code confirms it and the recovery codes are shown once), or give
    a code; either marks the session and the pages open."""
    with engine().connect() as conn:
        enrolled = second_factor.enrolled(conn, user.username)
    st.subheader("动态验证码")
    if not enrolled:
        _enrol(user)
        return
    st.caption("请输入身份验证器中的 6 位动态验证码（手机丢失时可输入一个恢复码）。")
    with st.form("second_factor_form"):
        code = st.text_input("动态验证码", max_chars=16, key="second_factor_code")
        submitted = st.form_submit_button("验证", type="primary", width="stretch")
    if submitted:
        outcome = auth.give_code(user, code, "sign-in")
        if outcome == second_factor.ACCEPTED:
            st.rerun()
        st.error(second_factor.message(outcome))
    _sign_out_button(user)


def _enrol(user: auth.CurrentUser) -> None:
    pending = st.session_state.get("totp_enrolment")
    if pending is None or pending.get("username") != user.username:
        with engine().begin() as conn:
            started = second_factor.start_enrolment(conn, user.username)
        pending = {"username": user.username, "uri": started.uri, "secret": started.secret,
                   "codes": started.recovery_codes}
        st.session_state["totp_enrolment"] = pending
    st.info("该账号需要绑定动态验证码：用身份验证器（如手机上的身份验证器应用）扫描二维码，"
            "然后输入它显示的 6 位验证码完成绑定。")
    st.image(second_factor.qr_png(pending["uri"]), width=240)
    st.caption("无法扫码时手动输入密钥：")
    st.code(pending["secret"], language=None)
    st.warning("恢复码（每个只能使用一次，请立即抄写并妥善保存，之后不再显示）：")
    st.code("\n".join(pending["codes"]), language=None)
    with st.form("totp_enrol_form"):
        code = st.text_input("动态验证码", max_chars=6, key="totp_enrol_code")
        submitted = st.form_submit_button("完成绑定", type="primary", width="stretch")
    if submitted:
        with engine().begin() as conn:
            outcome = second_factor.check(conn, user.username, code, purpose="enrolment",
                                          client=auth.client_address(), confirming=True)
        if outcome == second_factor.ACCEPTED:
            with engine().begin() as conn:
                sessions.mark_second_factor(conn, user.token)
            st.session_state.pop("totp_enrolment", None)
            st.rerun()
        st.error(second_factor.message(outcome))
    _sign_out_button(user)


def _sign_out_button(user: auth.CurrentUser) -> None:
    if st.button("退出登录", key="second_factor_sign_out"):
        auth.sign_out(user)
        st.rerun()

