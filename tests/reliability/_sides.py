"""One provider under test: its protocol fake, the runner and CLI wired to it, and the
counters the invariants need (create requests sent, tasks the fake accepted)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from framecast import GenerationRequest, ProviderSettings, Runner
from framecast.testing import VirtualClock
from framecast_google.testing import GoogleFake
from framecast_kling.testing import KlingFake
from framecast_luma.testing import LumaFake
from framecast_runway.testing import RunwayFake
from framecast_seedance.testing import SeedanceFake

Fault = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]

RUNWAY_KEY = "key_test_not_real"  # RunwayFake's default key
RUNWAY_CREATE = "/v1/image_to_video"
RUNWAY_API_HOST = "api.dev.runwayml.com"
KLING_API_HOST = "api-singapore.klingai.com"
SEEDANCE_KEY = "ark-test-key-not-real"  # SeedanceFake's default key
SEEDANCE_CREATE = "/contents/generations/tasks"
SEEDANCE_API_HOST = "ark.ap-southeast.bytepluses.com"
GOOGLE_KEY = "gemini-test-key-not-real"  # GoogleFake's default key
GOOGLE_API_HOST = "generativelanguage.googleapis.com"
LUMA_API_HOST = "agents.lumalabs.ai"


def small_png(width: int = 640, height: int = 384) -> bytes:
    """A real, small PNG both providers accept (Kling: sides >= 300; aspect within bounds)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


class Recorder:
    """The transport's view: every request the runner asked to send, in order, before the
    fake (or a fault) answers it."""

    def __init__(self, fake: Callable[[httpx.Request], httpx.Response]) -> None:
        self.fake = fake
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.fake(request)


class Side:
    """What the fault matrix needs to know about one provider."""

    name: str
    env: Mapping[str, str]
    api_host: str
    credential_variables: tuple[str, ...]
    #: The default image model (what an OutcomeUnknown without lookup names).
    model: str = ""
    #: The provider can look a task up after a lost create answer (Kling's key).
    has_lookup: bool = False

    def __init__(self) -> None:
        self.fake: Any = self.new_fake()
        self.recorder = Recorder(self.fake)

    # -- to override
    def new_fake(self) -> Any:
        raise NotImplementedError

    def inject(self, phase: str, *faults: Fault) -> None:
        raise NotImplementedError

    def plan(self, **plan: Any) -> None:
        raise NotImplementedError

    def clear_faults(self) -> None:
        """Drop the faults not yet met (the fakes keep them in a private list)."""
        rules = getattr(self.fake, "_faults", None) or getattr(self.fake, "_rules", None)
        assert rules is not None, "the fake's fault list moved"
        rules.clear()

    def is_create(self, request: httpx.Request) -> bool:
        raise NotImplementedError

    def task_ids(self) -> set[str]:
        return set(self.fake.tasks)

    # -- shared
    @property
    def tasks_created(self) -> int:
        return int(self.fake.tasks_created)

    def creates_sent(self) -> int:
        return sum(1 for r in self.recorder.requests if self.is_create(r))

    def requests_sent(self) -> int:
        return len(self.recorder.requests)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.recorder)

    def use_clock(self, clock: VirtualClock) -> None:
        """The fake's server time follows ``clock`` (for fakes that check signed times)."""

    def runner(self, clock: VirtualClock, **kwargs: Any) -> Runner:
        self.use_clock(clock)
        settings = ProviderSettings(name=self.name, env=dict(self.env))
        return Runner(
            self.name, settings=settings, transport=self.transport(), clock=clock, env={}, **kwargs
        )

    def request(self, image: Path | bytes, **fields: Any) -> GenerationRequest:
        fields.setdefault("prompt", "The astronaut waves")
        return GenerationRequest(image=image, **fields)

    def wire_cli(self, monkeypatch: pytest.MonkeyPatch, clock: VirtualClock) -> None:
        """Every runner the CLI opens talks to this side's fake on ``clock``."""
        from framecast.cli import _tasks

        transport = self.transport
        self.use_clock(clock)

        def open_runner(**options: Any) -> Runner:
            return Runner(transport=transport(), clock=clock, **options)

        monkeypatch.setattr(_tasks, "open_runner", open_runner)
        for variable, value in self.env.items():
            monkeypatch.setenv(variable, value)

    def secrets(self) -> list[str]:
        return [v for v in self.env.values() if v]


class RunwaySide(Side):
    name = "runway"
    env: Mapping[str, str] = {"RUNWAYML_API_SECRET": RUNWAY_KEY}
    api_host = RUNWAY_API_HOST
    credential_variables = ("RUNWAYML_API_SECRET", "RUNWAY_API_KEY")
    model = "gen4_turbo"

    def new_fake(self) -> RunwayFake:
        return RunwayFake(api_key=RUNWAY_KEY)

    def inject(self, phase: str, *faults: Fault) -> None:
        if phase == "submit":
            self.fake.inject("POST", RUNWAY_CREATE, *faults)
        else:
            self.fake.inject("GET", "/v1/tasks/", *faults)

    def plan(self, **plan: Any) -> None:
        self.fake.plan_next(**plan)

    def is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.startswith(
            ("/v1/image_to_video", "/v1/text_to_video", "/v1/text_to_image")
        )


class KlingSide(Side):
    name = "kling"
    env: Mapping[str, str] = dict(KlingFake.ENV)
    api_host = KLING_API_HOST
    credential_variables = ("KLING_ACCESS_KEY", "KLING_SECRET_KEY")
    has_lookup = True

    def new_fake(self) -> KlingFake:
        return KlingFake()

    def use_clock(self, clock: VirtualClock) -> None:
        self.fake.use_clock(clock.time)  # the plugin signs its JWTs on the runner's clock

    def inject(self, phase: str, *faults: Fault) -> None:
        self.fake.inject("create" if phase == "submit" else "query", *faults)

    def plan(self, **plan: Any) -> None:
        self.fake.plan_next(**plan)

    def is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.startswith("/v1/videos/")

    def lookups_sent(self) -> int:
        """Reads of a task by its key or of the task list (the dedupe after a lost answer)."""
        return sum(
            1
            for r in self.recorder.requests
            if r.method == "GET" and r.url.host == self.api_host
            and not r.url.path.rstrip("/").split("/")[-1].isdigit()
        )  # fmt: skip


class SeedanceSide(Side):
    name = "seedance"
    env: Mapping[str, str] = {"ARK_API_KEY": SEEDANCE_KEY}
    api_host = SEEDANCE_API_HOST
    credential_variables = ("ARK_API_KEY",)
    model = "dreamina-seedance-2-0-260128"

    def new_fake(self) -> SeedanceFake:
        return SeedanceFake(api_key=SEEDANCE_KEY)

    def inject(self, phase: str, *faults: Fault) -> None:
        if phase == "submit":
            self.fake.inject("POST", SEEDANCE_CREATE, *faults)
        else:
            self.fake.inject("GET", SEEDANCE_CREATE + "/", *faults)

    def plan(self, **plan: Any) -> None:
        self.fake.plan_next(**plan)

    def is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith(SEEDANCE_CREATE)


class GoogleSide(Side):
    name = "google"
    env: Mapping[str, str] = {"GEMINI_API_KEY": GOOGLE_KEY}
    api_host = GOOGLE_API_HOST
    credential_variables = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
    model = "veo-3.1-generate-preview"

    def new_fake(self) -> GoogleFake:
        # Downloads redirect to a storage host: the key must stay on Google's origin.
        return GoogleFake(api_key=GOOGLE_KEY, redirect_downloads=True)

    def inject(self, phase: str, *faults: Fault) -> None:
        if phase == "submit":
            self.fake.inject("POST", ":predictLongRunning", *faults)
        else:
            self.fake.inject("GET", "/operations/", *faults)

    def plan(self, **plan: Any) -> None:
        self.fake.plan_next(**plan)

    def is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith(":predictLongRunning")


class LumaSide(Side):
    """Luma through its main path, the Agents API (Ray 3.2, a local image sent inline)."""

    name = "luma"
    env: Mapping[str, str] = dict(LumaFake.ENV)
    api_host = LUMA_API_HOST
    credential_variables = ("LUMA_AGENTS_API_KEY", "LUMAAI_API_KEY")
    model = "ray-3.2"

    def new_fake(self) -> LumaFake:
        return LumaFake()

    def inject(self, phase: str, *faults: Fault) -> None:
        if phase == "submit":
            self.fake.inject("POST", "/v1/generations", *faults)
        else:
            self.fake.inject("GET", "/v1/generations/", *faults)

    def plan(self, **plan: Any) -> None:
        self.fake.plan_next(**plan)

    def is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path in (
            "/v1/generations",
            "/dream-machine/v1/generations/video",
        )


SIDES: Mapping[str, type[Side]] = {
    "runway": RunwaySide,
    "kling": KlingSide,
    "seedance": SeedanceSide,
    "google": GoogleSide,
    "luma": LumaSide,
}
