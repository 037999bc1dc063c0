"""The caller's number of a tickets file, made safe as soon as it is read (docs/repeats.md).

The clear number becomes `caller_hash` (HMAC-SHA256 of its normalised digits with the server key)
and `caller_last4`; the file's cells are masked to ****1234, so previews, rejected-row downloads
and everything after them never hold it. The normalised address (`address_key`) is added here
too: both are what the repeat rule compares.
"""
from __future__ import annotations

import pandas as pd

from dashboard.infra import settings
from dashboard.services.ingest.reading import FileRefused
from dashboard.services.ingest.spec import Col
from domain.repeats import MIN_PII_KEY_BYTES, caller_hasher, key_ok, last_digits, masked, normalise_address, normalise_phone

PHONE_KEY = "caller_phone"
HASH_COL = Col("来电号码", "caller_hash")
LAST4_COL = Col("来电号码", "caller_last4")
ADDRESS_KEY_COL = Col("诉求地址", "address_key")


def key_refusal() -> str:
    return (f"文件含有来电号码，但服务器未配置来电号码加密密钥（环境变量 HOTLINE_PII_KEY，至少 {MIN_PII_KEY_BYTES} 字节），"
            "为保护个人信息拒绝导入，本文件未写入任何数据")


def protect(p, source_column: str | None) -> None:
    """Replace p.values['caller_phone'] by caller_hash/caller_last4 and mask the file's cells;
    refuse the file when it holds a number and no usable key is configured."""
    phones = p.values.pop(PHONE_KEY, None)
    p.cols.pop(PHONE_KEY, None)
    if phones is None:
        return
    raw = phones.astype(object).where(phones.notna(), None).tolist()
    digits = {v: normalise_phone(v) for v in dict.fromkeys(raw)}       # once per distinct cell
    if any(digits.values()):
        key = settings.pii_key()
        if not key_ok(key):
            raise FileRefused(key_refusal())
        hash_of = caller_hasher(key)                          # type: ignore[arg-type]
    else:
        hash_of = _no_hash
    hashes = {v: hash_of(d) for v, d in digits.items()}
    last4 = {v: last_digits(d) for v, d in digits.items()}
    if source_column is not None and source_column in p.raw.columns:
        shown = {v: masked(d) for v, d in last4.items()}
        p.raw[source_column] = [shown[v] if v is not None else c
                                for v, c in zip(raw, p.raw[source_column].tolist())]
    index = phones.index
    p.cols["caller_hash"] = HASH_COL
    p.values["caller_hash"] = pd.Series(list(map(hashes.__getitem__, raw)), index=index, dtype=object)
    p.cols["caller_last4"] = LAST4_COL
    p.values["caller_last4"] = pd.Series(list(map(last4.__getitem__, raw)), index=index, dtype=object)


def _no_hash(_digits: str) -> None:
    return None


def add_address_key(p) -> None:
    if "address" in p.values:
        p.cols["address_key"] = ADDRESS_KEY_COL
        p.values["address_key"] = _map_unique(p.values["address"], normalise_address)


def _map_unique(s: pd.Series, f) -> pd.Series:
    """f over the distinct values only (numbers and addresses repeat within a file)."""
    s = s.astype(object).where(s.notna(), None)
    done = {v: f(v) for v in dict.fromkeys(s.tolist())}
    return pd.Series([done[v] for v in s.tolist()], index=s.index, dtype=object)
