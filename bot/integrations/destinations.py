"""Where webhooks may go: public addresses only, unless WEBHOOK_ALLOWED_PRIVATE lists an on-premise receiver.

A webhook URL is the caller's choice, and the server POSTs to it: left unchecked, any token could make the
server reach its own loopback, the office network or a cloud metadata service (SSRF). So a URL's host is
resolved and every address it resolves to is checked, when the webhook is created and again just before
each delivery; the delivery then connects to the address that was checked (the host name still goes in the
Host header, TLS SNI and certificate check), so a name that changes its answer between the check and the
connection (DNS rebinding) cannot move it. Redirects are never followed: a 3xx is a failed delivery.

Connections go straight to the receiver: HTTP(S)_PROXY is not used (a proxy would do its own resolving).
REQUESTS_CA_BUNDLE, when set, names the certificates trusted for https receivers, as it did for requests.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.util import parse_url

from bot.errors import InterviewBotError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Beyond what ipaddress calls private: 100.64/10 is carrier-grade NAT (ipaddress: neither private nor global), and
# NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits, which is judged instead.
SHARED = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}


class DestinationRefused(InterviewBotError):
    """The URL may not receive webhooks (an address inside the network, no such host); the message says why and
    is safe to show the token's owner."""


class Unresolved(DestinationRefused):
    """The host does not resolve (now): refused at subscription, tried again later at delivery."""


@dataclass(frozen=True)
class Destination:
    """A checked webhook URL: where to connect (the checked addresses, in the resolver's order) and what to send."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        return self.host if self.port == DEFAULT_PORTS[self.scheme] else f"{self.host}:{self.port}"


def why_inside(address: Address) -> str | None:
    """What makes address one a webhook may not reach (loopback, private, …), or None for a public address."""
    if address.version == 6 and not (address.is_loopback or address.is_unspecified):  # ::1 and :: are no IPv4
        embedded = _embedded_ipv4(address)
        if embedded is not None and (inner := why_inside(embedded)):
            return f"{inner} ({embedded} inside)"
    checks = (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
              ("link-local (cloud metadata)", address.is_link_local), ("multicast", address.is_multicast),
              ("shared (carrier-grade NAT)", address in SHARED if address.version == 4 else False),
              ("reserved", address.is_reserved), ("private", address.is_private),
              ("not public", not address.is_global))
    return next((reason for reason, hit in checks if hit), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form reaches (::ffff:a.b.c.d, ::a.b.c.d, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64 or int(address) >> 32 == 0:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_allowed(entries: frozenset[str]) -> tuple[frozenset[str], tuple[Network, ...]]:
    """WEBHOOK_ALLOWED_PRIVATE's entries split into host names and networks (an address is a one-address network)."""
    names, networks = set(), []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return frozenset(names), tuple(networks)


def check(url: str, allowed: frozenset[str]) -> Destination:
    """Resolve url's host and check every address it resolves to; raise DestinationRefused."""
    scheme, host, port, target = _split(url)
    names, networks = parse_allowed(allowed)
    addresses = _resolve(host, port)
    if host not in names:
        for address in addresses:
            reason = why_inside(address)
            if reason and not any(address in network for network in networks):
                shown = host if host == str(address) else f"{host} resolves to {address}, which"
                raise DestinationRefused(f"{shown} is {reason}: webhooks go to public addresses only (an "
                                         "on-premise receiver must be listed in WEBHOOK_ALLOWED_PRIVATE)")
    return Destination(scheme, host, port, target, tuple(str(a) for a in addresses))


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parsed = parse_url(url)
    except ValueError:
        raise DestinationRefused("this is not a URL") from None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
        raise DestinationRefused("a webhook URL is http:// or https:// with a host")
    if parsed.auth:
        raise DestinationRefused("a webhook URL carries no user or password; deliveries are signed instead")
    host = parsed.host.strip("[]").rstrip(".")
    target = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query is not None else "")
    return parsed.scheme, host, parsed.port or DEFAULT_PORTS[parsed.scheme], target


def _resolve(host: str, port: int) -> list[Address]:
    """Every address host resolves to, in the resolver's order (an address stands for itself)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolved(f"{host} does not resolve ({exc})") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses:
        raise Unresolved(f"{host} does not resolve")
    return list(dict.fromkeys(addresses))


def post(destination: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST body to a checked destination, connecting only to its checked addresses (the next one when one
    cannot be connected to); return the HTTP status. No redirect is followed and no answer body is read.
    Raises urllib3's HTTPError when no address takes the request."""
    failure: HTTPError | None = None
    for address in destination.addresses:
        try:
            return _post_to(address, destination, body, headers, timeout)
        except (NewConnectionError, ConnectTimeoutError) as exc:
            failure = exc
    assert failure is not None  # check() never gives a destination without addresses
    raise failure


def _post_to(address: str, destination: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
    tls = {"server_hostname": destination.host, "assert_hostname": destination.host, "cert_reqs": "CERT_REQUIRED",
           "ca_certs": os.environ.get("REQUESTS_CA_BUNDLE") or certifi.where()}
    pool_class = urllib3.HTTPSConnectionPool if destination.scheme == "https" else urllib3.HTTPConnectionPool
    with pool_class(address, destination.port, timeout=urllib3.Timeout(connect=timeout, read=timeout),
                    retries=False, **(tls if destination.scheme == "https" else {})) as pool:
        response = pool.urlopen("POST", destination.target, body=body, redirect=False, retries=False,
                                preload_content=False, assert_same_host=False,
                                headers={**headers, "Host": destination.host_header})
        response.close()
        return response.status
