"""The connections a runner uses: its FIFO gate, its running-task slots, the provider's
client (credentials for the provider's own origins only) and the credential-free client
for image fetches and output downloads.

    connections = Connections(plan, auth=lambda: hook.auth())
    ticket = await connections.ticket()        # a gate slot, before the hook builds its request
    response = await connections.provider_client().get("/v1/tasks/1")
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import httpx

from ._auth import OriginAuth, OutputAuth, origin_of
from ._fetch import guarded_transport
from ._gate import FifoGate, GateTicket
from ._http import GatedTransport, ProviderClient
from ._pool import default_transport

__all__ = ["ConnectionPlan", "Connections"]


@attrs.frozen
class ConnectionPlan:
    """What every set of connections of one runner is built from."""

    base_url: str
    transport: httpx.AsyncBaseTransport | None
    connect_timeout: float
    read_timeout: float
    max_in_flight_requests: int
    max_running_tasks: int
    trusted_origins: frozenset[tuple[str, str, int | None]]
    output_needs_auth: bool = False  # outputs on the provider's origins need its key
    #: Downloads may reach loopback and private addresses (an emulator, a test server).
    allow_private: bool = False
    #: The output fetch policy's check, on every redirect hop the signed client follows.
    output_check: Callable[[httpx.URL], None] | None = None

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout, connect=self.connect_timeout)


class Connections:
    """One gate, one set of slots and two lazily built clients."""

    def __init__(self, plan: ConnectionPlan, auth: Callable[[], httpx.Auth | None]) -> None:
        self.plan = plan
        self._auth = auth
        self.gate = FifoGate(plan.max_in_flight_requests)
        self.slots = FifoGate(plan.max_running_tasks)
        self._client: ProviderClient | None = None
        self._download_client: httpx.AsyncClient | None = None
        self._auth_download_client: httpx.AsyncClient | None = None

    async def ticket(self) -> GateTicket:
        """A gate slot for the next hook call's first request, taken before the hook runs;
        the caller hands it back when the hook returns."""
        await self.gate.acquire()
        return GateTicket(self.gate)

    def provider_client(self) -> ProviderClient:
        if self._client is None:
            plan = self.plan
            limit = plan.max_in_flight_requests if plan.max_in_flight_requests > 0 else None
            inner = plan.transport or default_transport(limit)
            auth = self._auth()
            wrapped = OriginAuth(auth, plan.trusted_origins) if auth is not None else None
            base = plan.base_url if plan.base_url.startswith(("http://", "https://")) else ""
            self._client = ProviderClient(
                base_url=base,
                transport=GatedTransport(inner, self.gate),
                auth=wrapped,
                timeout=plan.timeout,
                follow_redirects=False,
            )
        return self._client

    def download_client(self, url: str | None = None) -> httpx.AsyncClient:
        """A client with no credentials at all, for image fetches and output downloads;
        for an output ``url`` on the provider's own origins when the provider declares
        ``output_needs_auth``, one that signs it (and no redirect elsewhere)."""
        if (
            url is not None
            and self.plan.output_needs_auth
            and origin_of(url) in self.plan.trusted_origins
        ):
            return self._output_client()
        if self._download_client is None:
            self._download_client = httpx.AsyncClient(
                transport=self._download_transport(),
                timeout=self.plan.timeout,
                follow_redirects=False,  # open_url follows them, checking every hop
            )
        return self._download_client

    def _output_client(self) -> httpx.AsyncClient:
        if self._auth_download_client is None:
            auth = self._auth()
            plan = self.plan
            self._auth_download_client = httpx.AsyncClient(
                transport=self._download_transport(),
                auth=OutputAuth(auth, plan.trusted_origins, check=plan.output_check)
                if auth is not None
                else None,
                timeout=plan.timeout,
                follow_redirects=False,
            )
        return self._auth_download_client

    def _download_transport(self) -> httpx.AsyncBaseTransport:
        return self.plan.transport or guarded_transport(self.plan.allow_private)

    async def aclose(self) -> None:
        if self._auth_download_client is not None:
            await self._auth_download_client.aclose()
            self._auth_download_client = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._download_client is not None:
            await self._download_client.aclose()
            self._download_client = None
