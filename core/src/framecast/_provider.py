"""``framecast.Provider``: an optional base class that makes the contract visible.

A provider is any class whose methods implement the hooks of ``framecast.hookspecs``;
subclassing ``Provider`` adds three things: the four required hooks are abstract (a
subclass missing one cannot even be instantiated, and an editor says so), their signatures
are typed, and every method named like a hook is marked as its implementation — no
``@hookimpl`` needed (an explicit ``@hookimpl(...)`` with options is kept as written).
The optional hooks are not defined here: leaving one out is what selects its default
(``hookspecs.OPTIONAL_HOOKS``), and implementing ``cancel`` or ``find_submitted`` is what
declares that ability.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from .hookspecs import OBSERVER_HOOKS, OPTIONAL_HOOKS, REQUIRED_HOOKS, hookimpl

if TYPE_CHECKING:
    import httpx

    from ._models import (
        CameraPlan,
        GenerationRequest,
        ModelInfo,
        PreparedRequest,
        ProviderInfo,
        ProviderSettings,
        RatioPlan,
        TaskHandle,
        TaskState,
    )

__all__ = ["Provider"]

_HOOK_NAMES = frozenset({*REQUIRED_HOOKS, *OPTIONAL_HOOKS, *OBSERVER_HOOKS})


class Provider(abc.ABC):
    """Base class for a provider plugin: implement the four abstract hooks, and any of the
    optional ones (``map_ratio``, ``translate_camera``, ``estimate``, ``auth``,
    ``classify``, ``poll_many``, ``cancel``, ``find_submitted``) whose default does not
    fit.

    The runner constructs it with its ``ProviderSettings``; the constructor must not fail
    for missing credentials (ask for them in ``auth``).
    """

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _HOOK_NAMES & set(vars(cls)):
            method = vars(cls)[name]
            if callable(method) and getattr(method, "framecast_impl", None) is None:
                hookimpl(method)

    @abc.abstractmethod
    def provider_info(self) -> ProviderInfo:
        """The provider's declarations (see ``hookspecs.provider_info``)."""

    @abc.abstractmethod
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        """The wire request, built without I/O (see ``hookspecs.prepare``)."""

    @abc.abstractmethod
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        """Send the request once (see ``hookspecs.submit``)."""

    @abc.abstractmethod
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        """Read the task's status once (see ``hookspecs.poll``)."""
