"""Sending mail through the site's SMTP server, configured by environment variables.

HOTLINE_SMTP_HOST (no host: no mail), HOTLINE_SMTP_PORT (default 25, or 587 with STARTTLS),
HOTLINE_SMTP_FROM, HOTLINE_SMTP_TO (addresses separated by commas), HOTLINE_SMTP_STARTTLS (1/0),
HOTLINE_SMTP_USER and HOTLINE_SMTP_PASSWORD (login only when a user is given).
"""
from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from dashboard.infra.settings import SettingsError

DEFAULT_PORT = 25
STARTTLS_PORT = 587
TIMEOUT_SECONDS = 30
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = False
    username: str = ""
    password: str = ""


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on", "是")


def addresses(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.replace(";", ",").split(",") if a.strip())


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings, or None when no host is configured (reports then go to the outbox only)."""
    env = os.environ if env is None else env
    host = env.get("HOTLINE_SMTP_HOST", "").strip()
    if not host:
        return None
    starttls = _flag(env.get("HOTLINE_SMTP_STARTTLS", ""))
    port_text = env.get("HOTLINE_SMTP_PORT", "").strip()
    try:
        port = int(port_text) if port_text else (STARTTLS_PORT if starttls else DEFAULT_PORT)
    except ValueError:
        raise SettingsError(f"HOTLINE_SMTP_PORT 应为端口号，收到：{port_text}") from None
    sender = env.get("HOTLINE_SMTP_FROM", "").strip()
    recipients = addresses(env.get("HOTLINE_SMTP_TO", ""))
    if not sender:
        raise SettingsError("已配置 HOTLINE_SMTP_HOST，但未配置发件人 HOTLINE_SMTP_FROM")
    return SmtpSettings(host, port, sender, recipients, starttls,
                        env.get("HOTLINE_SMTP_USER", "").strip(), env.get("HOTLINE_SMTP_PASSWORD", ""))


def send(smtp: SmtpSettings, *, subject: str, body: str, attachment_name: str, data: bytes,
         recipients: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Mail `data` as an attachment; returns the recipients. Raises on any SMTP failure."""
    to = recipients or smtp.recipients
    if not to:
        raise SettingsError("未配置收件人：请设置 HOTLINE_SMTP_TO 或在报表计划中填写 to")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid()
    msg.set_content(body)
    msg.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment_name)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password)
        client.send_message(msg, from_addr=smtp.sender, to_addrs=list(to))
    return to
