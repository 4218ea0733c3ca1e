"""What every step of a request shares, as one named object: the provider and its hooks,
its settings, the clock, the retry policy, the runner's limits and its connections.

    session = runner.session
    handle = await session.hook.submit(prepared=p, http=session.http())

The steps (``_pipeline``, ``_submit``, ``_polling``, ``_waiting``, ``_cancel``,
``_download``) take a ``Session``, never the ``Runner``: a step's inputs are explicit.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import attrs

from ._resolve import is_official
from ._submitted import SubmittedTasks

if TYPE_CHECKING:
    import httpx

    from ._clock import Clock
    from ._connections import ConnectionPlan, Connections
    from ._gate import GateTicket
    from ._http import ProviderClient
    from ._models import ProviderInfo, ProviderSettings
    from ._retry import RetryPolicy

__all__ = ["Limits", "Session", "iso"]


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
    _connections: Connections | None = None

    # ------------------------------------------------------------------ connections

    def connections(self) -> Connections:
        if self._connections is None:
            from ._connections import Connections

            self._connections = Connections(self.plan, auth=lambda: self.hook.auth())
        return self._connections

    def existing_connections(self) -> Connections | None:
        return self._connections

    def http(self) -> ProviderClient:
        return self.connections().provider_client()

    def downloads(self, url: str | None = None) -> httpx.AsyncClient:
        return self.connections().download_client(url)

    async def ticket(self) -> GateTicket:
        return await self.connections().ticket()

    async def aclose(self) -> None:
        if self._connections is not None:
            await self._connections.aclose()

    # ------------------------------------------------------------------ facts

    def is_official(self, url: str) -> bool:
        return is_official(self.info, url)

    def now_iso(self) -> str:
        return iso(self.clock.time())


def iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.UTC).isoformat(timespec="seconds")
