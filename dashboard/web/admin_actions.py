"""Writes of the admin page, each re-checking the acting role server-side."""
from __future__ import annotations

import json

from dashboard.services import audit, calendar_import, second_factor, users
from dashboard.services.assessment.signoff import add_rules_version as add_guarded
from dashboard.web.reads import writing
from domain import access
from domain.rules import Rules, merge_defaults, validation_errors


class AdminError(ValueError):
    """Refused admin operation; message for the user."""


def _check(role: str, action: str = "user_admin") -> None:
    if not access.can(role, action):
        raise AdminError("无权执行此操作。")


def add_user(actor: str, role: str, username: str, new_role: str, password: str, display_name: str,
             email: str = "") -> None:
    """A new account; with a single sign-on claim (`email`) and no password it signs in only
    through single sign-on."""
    _check(role)
    if not password and not email.strip():
        raise AdminError("请设置初始密码，或填写统一身份认证标识。")
    with writing() as conn:
        users.add(conn, username.strip(), new_role, password or None, display_name=display_name.strip() or None,
                  actor=actor, email=email.strip() or None)


def link_identity(actor: str, role: str, username: str, email: str) -> None:
    _check(role)
    with writing() as conn:
        users.set_email(conn, username, email, actor=actor)


def reset_second_factor(actor: str, role: str, username: str) -> None:
    """A lost phone with no recovery code left: the user enrols again at the next sign-in."""
    _check(role)
    with writing() as conn:
        second_factor.reset(conn, username, actor=actor)


def set_active(actor: str, role: str, username: str, active: bool) -> None:
    _check(role)
    if username == actor and not active:
        raise AdminError("不能停用自己的账号。")
    with writing() as conn:
        (users.enable if active else users.disable)(conn, username, actor=actor)


def reset_password(actor: str, role: str, username: str, password: str) -> None:
    _check(role)
    with writing() as conn:
        users.set_password(conn, username, password, actor=actor)


def change_role(actor: str, role: str, username: str, new_role: str) -> None:
    _check(role)
    if username == actor and new_role != "admin":
        raise AdminError("不能取消自己的管理员角色。")
    with writing() as conn:
        users.set_role(conn, username, new_role, actor=actor)


def add_rules_version(actor: str, role: str, body_text: str, effective_from: str, note: str) -> int:
    _check(role, "rules_admin")
    try:
        body = json.loads(body_text)
    except json.JSONDecodeError as e:
        raise AdminError(f"规则 JSON 格式错误：第 {e.lineno} 行第 {e.colno} 列 {e.msg}") from None
    if not isinstance(body, dict):
        raise AdminError("规则必须是一个 JSON 对象。")
    merged = merge_defaults(body)
    problems = validation_errors(merged)
    if problems:
        raise AdminError("；".join(problems))
    rules = Rules(merged)

    with writing() as conn:
        return add_guarded(conn, rules, effective_from=effective_from, note=note.strip(), username=actor, role=role)


def import_calendar(actor: str, role: str, filename: str, data: bytes) -> calendar_import.ImportResult:
    """A year's State Council notice into the calendar table (refusals as AdminError, one reason a line).
    A role that may not import is refused and the refusal audited (`access_denied`, target calendar)."""
    try:
        with writing() as conn:
            if not access.can(role, "rules_admin"):
                raise audit.denied(conn, AdminError("无权执行此操作。"), username=actor, target="calendar",
                                   detail=f"action=calendar_import role={role} file={filename}")
            return calendar_import.import_notice(conn, filename, data, username=actor)
    except calendar_import.CalendarRefused as e:
        raise AdminError(f"日历文件未导入，原因：\n{e}") from None
