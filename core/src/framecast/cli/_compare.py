"""``framecast compare``: one request priced by every installed provider, offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ._output import Output

if TYPE_CHECKING:
    from .._compare import Quote
    from .._models import GenerationRequest

__all__ = ["show_quotes"]


def show_quotes(
    out: Output,
    request_factory: Callable[[], GenerationRequest],
    *,
    providers: list[str] | None,
    include_excluded: bool,
) -> int:
    from .._compare import compare
    from .._errors import FramecastError

    try:
        quotes = compare(request_factory(), providers=providers, include_excluded=include_excluded)
    except FramecastError as exc:
        return out.error(exc)
    if out.json_mode:
        out.emit({"quotes": [quote.to_dict() for quote in quotes]})
        return 0
    if not quotes:
        out.message(
            "framecast: no installed model can serve this request"
            + ("" if include_excluded else " (--all shows why each was left out)")
        )
        return 0
    _print_groups(out, quotes)
    return 0


def _print_groups(out: Output, quotes: list[Quote]) -> None:
    from rich.markup import escape
    from rich.table import Table

    # Prices in different currencies are never sorted as if equal: one table each.
    groups: dict[str, list[Quote]] = {}
    for quote in quotes:
        groups.setdefault(_group(quote), []).append(quote)
    sources: dict[str, int] = {}  # a price source's footnote number, by its text
    for title, rows in groups.items():
        out.stdout.print(f"[bold]{escape(title)}[/]")
        table = Table(box=None)
        if title == LEFT_OUT:
            for header in ("provider", "model", "why"):
                table.add_column(header, overflow="fold")
            for quote in rows:
                table.add_row(
                    escape(quote.provider), escape(quote.model), escape(quote.excluded or "")
                )
        else:
            for header in ("provider", "model", "price", "ratio", "duration", "camera", "source"):
                table.add_column(header, overflow="fold")
            for quote in rows:
                table.add_row(*(escape(cell) for cell in _row(quote, sources)))
        out.stdout.print(table)
    for text, number in sources.items():
        out.stdout.print(escape(f"[{number}] {text}"), soft_wrap=True)
    if any(q.nearest_ratio for q in quotes):
        out.stdout.print("~ the model lacks the ratio asked for: the nearest it has")
    if any(q.notes for q in quotes):
        out.stdout.print("Each model's notes (camera, fitting, seeds): framecast compare --json")


LEFT_OUT = "left out"


def _group(quote: Quote) -> str:
    if quote.excluded is not None:
        return LEFT_OUT
    if quote.offline:
        return "free previews (rendered on this machine)"
    if quote.estimate is None:
        return "price unknown"
    return quote.estimate.currency


def _row(quote: Quote, sources: dict[str, int]) -> tuple[str, ...]:
    estimate = quote.estimate
    if estimate is None:
        price, source = "unknown", "-"
    else:
        price = f"{estimate.amount:.2f} {estimate.currency}"
        text = estimate.source or "source unknown"
        if estimate.as_of:
            text += f", read {estimate.as_of}"
        text += f" ({estimate.confidence} price)"
        source = f"[{sources.setdefault(text, len(sources) + 1)}]"
    duration = "-" if quote.duration is None else f"{quote.duration:g} s"
    return (
        quote.provider,
        quote.model,
        price,
        (("~" if quote.nearest_ratio else "") + quote.ratio) if quote.ratio else "-",
        duration,
        quote.camera_method,
        source,
    )
