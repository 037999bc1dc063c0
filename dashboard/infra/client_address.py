"""The client's address behind a reverse proxy.

`X-Forwarded-For` and `X-Real-IP` are believed only when the connection came from a trusted proxy
(HOTLINE_TRUSTED_PROXIES, a comma-separated list of addresses or CIDR networks); anyone else could
write any address there. The forwarded chain is read from the right, skipping trusted proxies, so
an address a client wrote into its own header is never taken for the client."""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxyError(ValueError):
    """HOTLINE_TRUSTED_PROXIES holds something that is not an address or network."""


def trusted_networks(text: str | None = None) -> tuple[Network, ...]:
    raw = os.environ.get("HOTLINE_TRUSTED_PROXIES", "") if text is None else text
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as error:
            raise TrustedProxyError(f"HOTLINE_TRUSTED_PROXIES 中的 {part!r} 不是地址或网段") from error
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in n for n in networks)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value or ""
    return ""


def from_trusted_proxy(peer: str, networks: tuple[Network, ...] | None = None) -> bool:
    return bool(peer) and _trusted(peer, trusted_networks() if networks is None else networks)


def resolve(peer: str, headers: Mapping[str, str], networks: tuple[Network, ...] | None = None) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
    address of X-Forwarded-For that is not itself a trusted proxy, else X-Real-IP."""
    networks = trusted_networks() if networks is None else networks
    if not peer or not _trusted(peer, networks):
        return peer or ""
    chain = [part.strip() for part in _header(headers, "x-forwarded-for").split(",") if part.strip()]
    for hop in reversed(chain):
        if _address(hop) is None:
            chain = []                 # a malformed hop: nothing left of it can be trusted
            break
        if not _trusted(hop, networks):
            return hop
    real = _header(headers, "x-real-ip").strip()
    if _address(real) is not None:
        return real
    return chain[0] if chain else peer   # every hop a trusted proxy: the first is the client
