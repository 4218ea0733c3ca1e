"""One request priced by every installed provider: ``framecast.compare``.

Each provider translates the request afresh (its ratio, duration and camera rules differ),
exactly as a dry run would: nothing is sent, no credential is needed. A model that cannot
serve the request gets a row saying why (``excluded``), so a user sees what was left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import FramecastError
from ._ratios import same_aspect

if TYPE_CHECKING:
    from ._config import Config
    from ._models import CostEstimate, GenerationRequest, ModelInfo

__all__ = ["Quote", "compare"]


@attrs.frozen
class Quote:
    """What one model of one provider would do with a request, and what it would cost.

    ``estimate`` is ``None`` when the provider does not know the price; ``excluded`` says
    why the model cannot serve the request (then nothing else is filled in).
    """

    provider: str
    model: str
    estimate: CostEstimate | None = None
    ratio: str | None = None
    duration: int | float | None = None
    camera_method: str = "none"
    #: The model lacks the asked ratio: ``ratio`` is the nearest it has.
    nearest_ratio: bool = False
    notes: tuple[str, ...] = ()
    offline: bool = False
    excluded: str | None = None

    @property
    def amount(self) -> float | None:
        return None if self.estimate is None else self.estimate.amount

    @property
    def currency(self) -> str | None:
        return None if self.estimate is None else self.estimate.currency

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "amount": self.amount,
            "currency": self.currency,
            "price_source": self.estimate.source or None if self.estimate else None,
            "price_as_of": self.estimate.as_of or None if self.estimate else None,
            "confidence": self.estimate.confidence if self.estimate else None,
            "ratio": self.ratio,
            "duration": self.duration,
            "camera": self.camera_method,
            "nearest_ratio": self.nearest_ratio,
            "notes": list(self.notes),
            "offline": self.offline,
        }
        if self.excluded is not None:
            shown["excluded"] = self.excluded
        return shown


def compare(
    request: GenerationRequest,
    *,
    providers: Iterable[str] | None = None,
    include_excluded: bool = False,
    env: Mapping[str, str] | None = None,
    config: Config | None = None,
) -> list[Quote]:
    """Quote ``request`` on every model of every installed provider (or of ``providers``).

    Offline; sorted so that equal currencies sit together, cheapest first: online quotes
    by currency then amount (unknown prices after the known ones), offline previews after
    them, and — with ``include_excluded`` — the models that cannot serve it last. The
    request's ratio is matched exactly or, where a model lacks it, to the nearest it has
    (a note says so). A ``request.model`` limits the quotes to models of that name.
    """
    from ._plugins import list_providers

    names = list(providers) if providers is not None else [e.name for e in list_providers(env)]
    quotes: list[Quote] = []
    for name in names:
        quotes.extend(_provider_quotes(name, request, env=env, config=config))
    if not include_excluded:
        quotes = [q for q in quotes if q.excluded is None]
    return sorted(quotes, key=_order)


def _provider_quotes(
    name: str,
    request: GenerationRequest,
    *,
    env: Mapping[str, str] | None,
    config: Config | None,
) -> list[Quote]:
    from ._runner import Runner

    try:
        runner = Runner(name, env=env, config=config)
    except FramecastError as exc:
        return [Quote(provider=name, model="", excluded=exc.message)]
    info = runner.info
    asked = request.evolve(ratio_policy="nearest") if request.ratio else request
    quotes = []
    for model in info.models:
        if model.kind != "video" or (request.model and model.name != request.model):
            continue
        quotes.append(_quote(runner, model, asked, offline=info.offline))
    return quotes


def _quote(runner: Any, model: ModelInfo, request: GenerationRequest, *, offline: bool) -> Quote:
    base = {"provider": runner.provider_name, "model": model.name, "offline": offline}
    if model.withdrawn:
        instead = f"; use {model.replacement}" if model.replacement else ""
        return Quote(**base, excluded=f"withdrawn{instead}")
    try:
        prepared = runner.prepare(request.evolve(model=model.name))
        estimate = runner.estimate(request.evolve(model=model.name))
    except FramecastError as exc:
        return Quote(**base, excluded=exc.message)
    nearest = bool(
        request.ratio and prepared.ratio and not same_aspect(request.ratio, prepared.ratio)
    )
    return Quote(
        **base,
        estimate=estimate,
        ratio=prepared.ratio,
        nearest_ratio=nearest,
        duration=prepared.duration,
        camera_method=prepared.camera_method,
        notes=prepared.notes,
    )


def _order(quote: Quote) -> tuple[Any, ...]:
    if quote.excluded is not None:
        return (3, quote.provider, quote.model)
    if quote.offline:
        return (2, quote.provider, quote.model)
    if quote.estimate is None:
        return (1, "", 0.0, quote.provider, quote.model)
    return (0, quote.estimate.currency, quote.estimate.amount, quote.provider, quote.model)
