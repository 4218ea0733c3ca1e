"""The one fetch policy (docs/reliability.md): every URL the runner itself downloads.

Two kinds of URL are fetched, both through ``open_url`` and a ``FetchPolicy``:

- **an image URL a user gave**, downloaded to crop or pad it: https only; every redirect
  re-checked; no loopback, private, link-local, multicast or reserved destination --
  checked on the URL and on the address the host name resolves to, at connect time, so
  DNS cannot point elsewhere after the check -- unless the provider's base URL is not an
  official host (an emulator, a test server); at most the model's size limit; a deadline.
  A refusal is a ``ValidationError``.
- **a provider's output**: the same address rules, limited to the provider's declared
  ``output_hosts`` when it declares any; credentials only to the provider's own origins
  (``OutputAuth``). A local provider's ``file://`` outputs are copied, not fetched.

Downloads carry no credentials unless the provider asks for them on its own origins.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import httpcore
    import httpx

__all__ = [
    "FetchPolicy",
    "FetchRefused",
    "TooLarge",
    "guarded_transport",
    "is_public_address",
    "open_url",
    "read_capped",
]

#: The whole download of an input image, seconds (connect and read timeouts apply within).
INPUT_TIMEOUT = 60.0
MAX_REDIRECTS = 5


class FetchRefused(Exception):
    """The policy refused a URL or the address it leads to; nothing was fetched from it."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{_short(url)}: {reason}")
        self.url = url
        self.reason = reason


class TooLarge(Exception):
    """The body is larger than the policy allows; reading stopped at the limit."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"{_short(url)} is larger than {limit:,} bytes")
        self.url = url
        self.limit = limit


@attrs.frozen
class FetchPolicy:
    """What may be fetched: schemes, hosts (empty: any), private destinations, size, time."""

    schemes: tuple[str, ...] = ("https",)
    hosts: tuple[str, ...] = ()  # "cdn.example.com", or ".example.com" for its subdomains
    allow_private: bool = False
    max_bytes: int | None = None
    max_redirects: int = MAX_REDIRECTS
    timeout: float | None = None

    def check(self, url: httpx.URL | str) -> None:
        """Raise ``FetchRefused`` unless ``url`` may be fetched (its literal address
        included; a host name's addresses are checked when connecting)."""
        import httpx

        parsed = httpx.URL(str(url)) if not isinstance(url, httpx.URL) else url
        text = str(parsed)
        if parsed.scheme not in self.schemes:
            allowed = ", ".join(f"{s}://" for s in self.schemes)
            raise FetchRefused(text, f"scheme {parsed.scheme}:// is not allowed ({allowed} only)")
        host = (parsed.host or "").rstrip(".").lower()
        if not host:
            raise FetchRefused(text, "the URL names no host")
        if self.hosts and not _host_allowed(host, self.hosts):
            raise FetchRefused(
                text, f"host {host} is not one of the provider's output hosts "
                f"({', '.join(self.hosts)})"
            )  # fmt: skip
        if not self.allow_private and not _public_name(host):
            raise FetchRefused(text, f"{host} is a {_kind(host)} address, not a public one")


def _host_allowed(host: str, hosts: Iterable[str]) -> bool:
    for allowed in hosts:
        allowed = allowed.lower().lstrip("*")
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def _public_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True  # a name: its addresses are checked when connecting
    return is_public_address(address)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address | str) -> bool:
    """A globally routable unicast address: not loopback, private, link-local (cloud
    metadata at 169.254.169.254), multicast, reserved or unspecified; an IPv4-mapped or
    NAT64 IPv6 address is judged by the IPv4 address inside."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in ipaddress.IPv6Network("64:ff9b::/96"):
            return is_public_address(ipaddress.IPv4Address(address.packed[-4:]))
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _kind(host: str) -> str:
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return "non-public"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for word in ("loopback", "link_local", "multicast", "private", "unspecified", "reserved"):
        if getattr(address, f"is_{word}"):
            return word.replace("_", "-")
    return "non-public"


# --------------------------------------------------------------------------- transport


class _GuardedBackend:
    """httpcore's network backend, refusing to connect to a non-public address: the host
    name is resolved here, every address checked, and the connection made to a checked
    address (so a second resolution cannot differ). TLS still verifies the host name."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            import httpcore

            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        refused = [a for a in addresses if not is_public_address(a)]
        if refused or not addresses:
            raise FetchRefused(
                f"//{host}:{port}",
                f"{host} resolves to {refused[0] if refused else 'no address'}, "
                f"a {_kind(refused[0]) if refused else 'missing'} address, not a public one",
            )
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(  # type: ignore[no-any-return]
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except Exception as exc:  # noqa: BLE001 - try the next address, as httpcore would
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise FetchRefused("unix socket", "a local socket is not a public address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(allow_private: bool) -> httpx.AsyncBaseTransport:
    """httpx's transport for downloads; unless ``allow_private``, it connects only to
    public addresses (``FetchRefused`` otherwise, before any byte is sent)."""
    import httpx

    transport = httpx.AsyncHTTPTransport()
    if not allow_private:
        pool = transport._pool  # httpx builds the pool; only its network backend changes
        guarded: Any = _GuardedBackend(pool._network_backend)  # duck-typed to httpcore's
        pool._network_backend = guarded
    return transport


# --------------------------------------------------------------------------- fetching


@contextlib.asynccontextmanager
async def open_url(
    client_for: Callable[[str], httpx.AsyncClient],
    url: str,
    policy: FetchPolicy,
) -> AsyncIterator[httpx.Response]:
    """GET ``url`` under ``policy``, following at most ``policy.max_redirects`` redirects
    and checking every hop; yields the final response with its body unread.
    ``client_for(url)`` gives the client for a hop (it must not follow redirects)."""
    import httpx

    policy.check(url)
    current = httpx.URL(url)
    for _ in range(policy.max_redirects + 1):
        client = client_for(str(current))
        request = client.build_request("GET", current)
        response = await client.send(request, stream=True, follow_redirects=False)
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            try:
                yield response
            finally:
                await response.aclose()
            return
        await response.aclose()
        current = current.join(location)
        policy.check(current)
    raise FetchRefused(url, f"more than {policy.max_redirects} redirects")


async def read_capped(response: httpx.Response, limit: int | None, url: str) -> bytes:
    """The body, refused (``TooLarge``) past ``limit`` bytes without reading further."""
    declared = response.headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(url, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if limit is not None and size > limit:
            raise TooLarge(url, limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch_bytes(
    client_for: Callable[[str], httpx.AsyncClient], url: str, policy: FetchPolicy
) -> bytes:
    """The whole body of ``url`` under ``policy`` (its deadline included)."""

    async def fetch() -> bytes:
        async with open_url(client_for, url, policy) as response:
            response.raise_for_status()
            return await read_capped(response, policy.max_bytes, url)

    if policy.timeout is None:
        return await fetch()
    try:
        return await asyncio.wait_for(fetch(), policy.timeout)
    except TimeoutError:
        import httpx

        raise httpx.TimeoutException(f"not downloaded within {policy.timeout:g} s") from None


def _short(url: str) -> str:
    base = url.split("?", 1)[0]
    return base if len(base) <= 120 else base[:117] + "..."
