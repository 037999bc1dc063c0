"""Identity vocabulary and figures: how long a sign-in lasts, who must give a second factor, and
which actions need a fresh one (docs/identity.md)."""
from __future__ import annotations

# How long a sign-in lasts: the wall display stays signed in for a month, desks for a working day.
SESSION_HOURS = {"display": 24 * 30}
DEFAULT_SESSION_HOURS = 8

# Sign-in methods recorded with each session.
METHOD_PASSWORD = "password"
METHOD_SSO = "sso"

# Roles that must give a TOTP code (RFC 6238) to finish signing in.
SECOND_FACTOR_ROLES = ("admin",)
# A code given for an action that changes money or frozen data is good for this long.
SECOND_FACTOR_FRESH_MINUTES = 15
# Actions (domain.access.ACTIONS) that need a code given within SECOND_FACTOR_FRESH_MINUTES.
SECOND_FACTOR_ACTIONS = ("signoff_vendor", "signoff_reviewer", "unfreeze", "manual_item", "payment_dates",
                         "rules_admin")
# Recovery codes made at enrolment, each good once.
RECOVERY_CODES = 10

# The claim of a single sign-on identity matched to users.email unless HOTLINE_OIDC_CLAIM says otherwise.
DEFAULT_OIDC_CLAIM = "email"

# A single sign-on identity (the provider's sign-in, kept by Streamlit in a signed cookie) may open a
# first session here only this soon after the provider issued it; later only while a session it
# opened is still live (another tab), and never again once one of its sessions was signed out.
SSO_SIGN_IN_WINDOW_MINUTES = 10
# The identity provider's clock and ours may differ this much (either way) when that window is judged.
SSO_CLOCK_SKEW_MINUTES = 5


def session_hours(role: str) -> int:
    return SESSION_HOURS.get(role, DEFAULT_SESSION_HOURS)
