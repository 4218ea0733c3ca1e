"""What every step of a request shares, as one named object: the provider and its hooks,
its settings, the clock, the retry policy, the runner's limits and its connections.

    session = runner.session
    handle = await session.hook.submit(prepared=p, http=session.http())

The steps (``_pipeline``, ``_submit``, ``_polling``, ``_waiting``, ``_cancel``,
``_download``) take a ``Session``, never the ``Runner``: a step's inputs are explicit.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from typing import TYPE_CHECKING, Any

import attrs

from ._resolve import is_official
from ._submitted import SubmittedTasks

if TYPE_CHECKING:
    import httpx

    from ._clock import Clock
    from ._connections import ConnectionPlan, Connections
    from ._fetch import FetchPolicy
    from ._gate import GateTicket
    from ._http import ProviderClient
    from ._models import ProviderInfo, ProviderSettings
    from ._retry import RetryPolicy
    from ._rounds import PollRounds

__all__ = ["Limits", "Session", "fetch_policy", "iso"]


@attrs.frozen
class Limits:
    """The runner's promises about time and money."""

    timeout: float | None
    max_cost: float | None
    retry_ambiguous_submit: bool
    poll_interval: float


@attrs.define(eq=False, repr=False)
class Session:
    provider: object
    hook: Any  # the plugin manager's hook relay (``runner._hook``)
    info: ProviderInfo
    settings: ProviderSettings
    provider_name: str
    base_url: str
    default_model: str | None
    clock: Clock
    retry_policy: RetryPolicy
    limits: Limits
    plan: ConnectionPlan
    submitted: SubmittedTasks = attrs.field(factory=SubmittedTasks)
    #: Tasks cancelled through this runner: a 404 from their poll means "cancelled".
    cancelled: set[str] = attrs.field(factory=set)
    #: The waits' shared poll rounds, for a provider with ``poll_many`` (``_polling``).
    rounds: PollRounds | None = None
    #: One set of connections per event loop (``None``: used outside any loop).
    _connections: dict[asyncio.AbstractEventLoop | None, Connections] = attrs.field(factory=dict)

    # ------------------------------------------------------------------ connections

    def connections(self) -> Connections:
        """This event loop's gate, slots and clients. A connection belongs to the loop
        that opened it: a runner driven by one ``asyncio.run()`` after another must never
        write a request on a kept-alive connection of a loop that has ended (the task
        would be created and its answer lost), so each loop gets its own pool and gate,
        and those of a closed loop are dropped."""
        loop = _running_loop()
        found = self._connections.get(loop)
        if found is None:
            from ._connections import Connections

            for other in [k for k in self._connections if k is not None and k.is_closed()]:
                del self._connections[other]  # its sockets died with it: never reused
            found = Connections(self.plan, auth=lambda: self.hook.auth())
            self._connections[loop] = found
        return found

    def existing_connections(self) -> Connections | None:
        return self._connections.get(_running_loop())

    def http(self) -> ProviderClient:
        return self.connections().provider_client()

    def downloads(self, url: str | None = None) -> httpx.AsyncClient:
        return self.connections().download_client(url)

    async def ticket(self) -> GateTicket:
        return await self.connections().ticket()

    async def aclose(self) -> None:
        """Close this loop's connections (and forget those of loops that have ended)."""
        loop = _running_loop()
        for key in list(self._connections):
            if key is loop or key is None:
                await self._connections.pop(key).aclose()
            elif key.is_closed():
                del self._connections[key]

    # ------------------------------------------------------------------ facts

    def is_official(self, url: str) -> bool:
        return is_official(self.info, url)

    def private_ok(self) -> bool:
        """Downloads may reach loopback and private addresses only when the provider's
        base URL is not one of its official hosts (an emulator, a test server)."""
        return not self.is_official(self.base_url)

    def fetch_policy(self, kind: str, max_bytes: int | None = None) -> FetchPolicy:
        return fetch_policy(self.info, self.base_url, kind, max_bytes)

    def now_iso(self) -> str:
        return iso(self.clock.time())


def fetch_policy(
    info: ProviderInfo, base_url: str, kind: str, max_bytes: int | None = None
) -> FetchPolicy:
    """The fetch policy for ``kind`` ``"input"`` (an image URL a user gave) or
    ``"output"`` (the provider's results): see docs/reliability.md."""
    from ._fetch import INPUT_TIMEOUT, FetchPolicy

    private = not is_official(info, base_url)
    if kind == "input":
        return FetchPolicy(
            schemes=("https",),
            allow_private=private,
            max_bytes=max_bytes,
            timeout=INPUT_TIMEOUT,
        )
    return FetchPolicy(
        # http only where the provider itself is local or emulated
        schemes=("https", "http") if private else ("https",),
        hosts=info.output_hosts,
        allow_private=private,
        max_bytes=max_bytes,
    )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.UTC).isoformat(timespec="seconds")
