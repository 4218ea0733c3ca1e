"""``provider = "cheapest"``: each request goes to the provider that quotes it lowest.

``Runner("cheapest")`` (or ``--provider cheapest``, ``FRAMECAST_PROVIDER=cheapest``,
``provider = "cheapest"`` in framecast.toml) builds a ``Cheapest``. For each request it
quotes, exactly as ``framecast.compare`` does, the model each installed online provider
would use, and ranks the providers that

- have a credential configured (one of the variables the provider declares is set),
- can serve the request as asked (its ratio, duration, camera and mode rules),
- know their price, in ``currency`` (USD unless told; prices in different currencies are
  never ranked against each other), and
- stay within ``max_cost``.

The cheapest runs the request; should it refuse before a task exists, or its task end
``FAILED``, the next cheapest takes over under the rules of a provider list
(``framecast.Failover``): never after an ambiguous submit, a wait that ran out or a
cancellation, and never past ``max_cost`` in total. The ranking is ``explain(request)``
(what ``--dry-run`` prints); the result's ``attempts`` and ``notes`` record the choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import ConfigurationError, FramecastError, ValidationError
from ._failover import Attempt, AttemptCallback, Failover

if TYPE_CHECKING:
    from ._compare import Quote
    from ._config import Config
    from ._models import GenerationRequest, GenerationResult
    from ._runner import Runner

__all__ = ["POLICY_NAME", "Cheapest", "Ranking"]

POLICY_NAME = "cheapest"


@attrs.frozen
class Ranking:
    """One request's choice: the quotes that qualify, cheapest first, and every provider
    left out with why."""

    ranked: tuple[Quote, ...]
    left_out: tuple[tuple[str, str | None, str], ...]  # (provider, model, why)
    currency: str
    max_cost: float | None

    @property
    def chosen(self) -> Quote | None:
        return self.ranked[0] if self.ranked else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": POLICY_NAME,
            "currency": self.currency,
            "max_cost": self.max_cost,
            "chosen": self.chosen.provider if self.chosen else None,
            "ranked": [q.to_dict() for q in self.ranked],
            "left_out": [
                {"provider": provider, "model": model, "why": why}
                for provider, model, why in self.left_out
            ],
        }

    def note(self) -> str:
        """One line for a result's notes."""
        chosen = self.chosen
        if chosen is None:
            return "cheapest: no provider qualified"
        others = ", ".join(f"{q.provider} {_price(q)}" for q in self.ranked[1:])
        line = f"cheapest: {chosen.provider} ({chosen.model}, {_price(chosen)})"
        if others:
            line += f" over {others}"
        if self.left_out:
            line += "; left out: " + ", ".join(p for p, _, _ in self.left_out)
        return line


class Cheapest(Failover):
    """Runs each request on the installed online provider that quotes it lowest (see the
    module doc); a ``Failover`` over the ranking, computed afresh for each request.

    ``providers``: the candidates (default: every installed provider). ``currency``: the
    one currency prices are ranked in (``max_cost`` is in USD, so with ``max_cost`` only
    USD prices qualify). ``runner_options`` go to every candidate's ``Runner``.
    """

    def __init__(
        self,
        providers: Sequence[str] | None = None,
        *,
        max_cost: float | None = None,
        currency: str = "USD",
        on_attempt: AttemptCallback | None = None,
        env: Mapping[str, str] | None = None,
        config: Config | None = None,
        **runner_options: Any,
    ) -> None:
        from ._plugins import RESERVED_PROVIDER_NAMES, list_providers
        from ._runner import Runner

        if max_cost is not None and currency != "USD":
            raise ValidationError(
                f"max_cost is in USD, so prices in {currency} cannot be held to it",
                field="currency",
                value=currency,
                allowed="USD with max_cost, or no max_cost",
            )
        names = (
            list(providers)
            if providers is not None
            else [e.name for e in list_providers(env) if e.name not in RESERVED_PROVIDER_NAMES]
        )
        runners: list[Runner] = []
        #: Installed providers that can never be chosen here, with why.
        self.unavailable: list[tuple[str, str]] = []
        for name in names:
            if name in RESERVED_PROVIDER_NAMES:
                raise ConfigurationError(f"{name!r} is a policy, not a candidate provider")
            try:
                runner = Runner(name, max_cost=max_cost, env=env, config=config, **runner_options)
            except FramecastError as exc:
                self.unavailable.append((name, exc.message))
                continue
            why = _unavailable(runner)
            if why is None:
                runners.append(runner)
            else:
                self.unavailable.append((runner.provider_name, why))
        self.runners = tuple(runners)
        self.max_cost = max_cost
        self.currency = currency
        self.on_attempt = on_attempt

    # ------------------------------------------------------------------ naming

    @property
    def provider_name(self) -> str:
        return POLICY_NAME

    @property
    def info(self) -> Any:
        if not self.runners:
            raise self._nobody()
        return self.runners[0].info

    def __repr__(self) -> str:
        return f"Cheapest({[r.provider_name for r in self.runners]!r}, currency={self.currency!r})"

    # ------------------------------------------------------------------ choosing

    def rank(self, request: GenerationRequest) -> Ranking:
        """Quote ``request`` on every candidate (nothing is sent) and rank them."""
        from ._compare import _quote

        quotes: list[Quote] = []
        left_out: list[tuple[str, str | None, str]] = [
            (name, None, why) for name, why in self.unavailable
        ]
        for runner in self.runners:
            try:
                model = runner.resolve_model(request)
            except FramecastError as exc:
                left_out.append((runner.provider_name, request.model, exc.message))
                continue
            quote = _quote(runner, model, request, offline=False)
            why = self._disqualified(quote)
            if why is None:
                quotes.append(quote)
            else:
                left_out.append((quote.provider, quote.model, why))
        quotes.sort(key=lambda q: (q.amount, q.provider))
        return Ranking(tuple(quotes), tuple(left_out), self.currency, self.max_cost)

    def _disqualified(self, quote: Quote) -> str | None:
        if quote.excluded is not None:
            return quote.excluded
        if quote.estimate is None:
            return "its price is not known, so it cannot be ranked"
        if quote.estimate.currency != self.currency:
            return (
                f"priced in {quote.estimate.currency} ({quote.estimate.amount:.2f}), not "
                f"{self.currency}: prices in different currencies are never ranked together"
            )
        if self.max_cost is not None and quote.estimate.amount > self.max_cost:
            return f"{_price(quote)} is above max_cost {self.max_cost:g}"
        return None

    def explain(self, request: GenerationRequest) -> dict[str, Any]:
        """The ranking as ``--dry-run`` prints it."""
        return self.rank(request).to_dict()

    def plan(self, request: GenerationRequest) -> list[tuple[Runner, Attempt | None]]:
        """The ranked candidates, cheapest first, after a skip record for each online
        provider left out; ``ValidationError`` naming each one's reason when none qualifies."""
        ranking = self.rank(request)
        if ranking.chosen is None:
            raise self._nobody(ranking)
        by_name = {r.provider_name: r for r in self.runners}
        plans: list[tuple[Runner, Attempt | None]] = [
            (by_name[provider], Attempt(provider, model, "skipped", error=why))
            for provider, model, why in ranking.left_out
            if provider in by_name
        ]
        plans.extend((by_name[q.provider], None) for q in ranking.ranked)
        return plans

    def _finished(self, result: GenerationResult, request: GenerationRequest) -> GenerationResult:
        return attrs.evolve(result, notes=(*result.notes, self.rank(request).note()))

    def _nobody(self, ranking: Ranking | None = None) -> ValidationError:
        left_out = (
            ranking.left_out if ranking is not None else [(n, None, w) for n, w in self.unavailable]
        )
        reasons = "; ".join(f"{provider}: {why}" for provider, _, why in left_out)
        return ValidationError(
            "no installed provider can take this request at a known price in "
            f"{self.currency}"
            + (f" within max_cost {self.max_cost:g}" if self.max_cost else "")
            + (f": {reasons}" if reasons else ": no online provider is installed"),
            field="provider",
            value=POLICY_NAME,
            allowed="an installed online provider with a credential that serves the request",
        )


def _unavailable(runner: Runner) -> str | None:
    """Why ``runner`` is never a candidate, or ``None``."""
    info = runner.info
    if info.offline:
        return "renders on this machine (a free preview), not a provider to pay"
    variables = info.credential_variables
    if variables and not any((runner.settings.env.get(v) or "").strip() for v in variables):
        return f"no credential configured (set {' or '.join(variables)})"
    return None


def _price(quote: Quote) -> str:
    if quote.estimate is None:
        return "price unknown"
    return f"{quote.estimate.amount:.2f} {quote.estimate.currency}"


def is_policy(provider: Any, env: Mapping[str, str] | None, config: Config | None) -> bool:
    """Whether a Runner's ``provider`` (explicit, else from the environment or the config
    file) names the cheapest policy."""
    import os

    from ._config import load_config

    if provider is None:
        environ = os.environ if env is None else env
        provider = environ.get("FRAMECAST_PROVIDER") or (config or load_config()).provider
    return isinstance(provider, str) and provider.strip() == POLICY_NAME
