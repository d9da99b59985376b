"""Refuse to fetch from private addresses: a watch list (or a redirect) must not make flowgraph
reach into the network it runs in (routers, cloud metadata at 169.254.169.254, local services).

Every hop is resolved here and the connection is then made to the address checked, never to a
second lookup of the name, so a name that resolves differently the second time cannot slip by.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flowgraph.errors import FlowgraphError

SCHEMES = {"http": 80, "https": 443}


class RefusedAddress(FlowgraphError):
    """The URL's scheme or the address its host resolves to is not one flowgraph fetches from."""


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to make a name look public)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def why_private(address: str) -> str | None:
    """What makes `address` one not to fetch from, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "site-local"
        # an IPv4 address carried in IPv6 (mapped, 6to4, Teredo's client) is judged as itself
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # shared (100.64/10), documentation ranges and the like
        return "not public"
    return None


def target(url: str, *, allow_private: bool = False) -> tuple[str, int, str]:
    """The host, port and checked address to connect to for `url`; refuses a scheme other than
    http(s), a name that does not resolve, or (unless `allow_private`) any non-public address
    among those the name resolves to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise RefusedAddress(f"{url}: only http and https URLs are fetched, not {scheme or 'no scheme'}")  # fmt: skip
    host = parts.hostname
    if not host:
        raise RefusedAddress(f"{url}: no host name")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise RefusedAddress(f"{url}: bad port") from None
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise RefusedAddress(f"{url}: cannot resolve {host} ({exc})") from None
    if not addresses:
        raise RefusedAddress(f"{url}: {host} resolves to no address")
    if not allow_private:
        for address in addresses:
            reason = why_private(address)
            if reason:
                raise RefusedAddress(
                    f"{url}: {host} resolves to {address}, a {reason} address; not fetched "
                    "(--allow-private fetches from private and loopback addresses)"
                )
    return host, port, addresses[0]
