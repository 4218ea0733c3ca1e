"""Regenerate the tables in ``docs/concepts.md`` and ``docs/configuration.md`` from the
installed providers' own code.

    python docs/_generate.py           # rewrite the tables in place
    python docs/_generate.py --check   # exit 1 (and say which) when a committed table is stale

Every cell comes from calling a provider's hooks — ``provider_info``, ``map_ratio``,
``translate_camera`` and ``prepare`` — on its default image-to-video model, never from a
hand-kept list: when a plugin changes what it sends, the table changes, and
``tests/docs/test_docs_tables.py`` fails until the page is regenerated. Each table sits
between ``<!-- BEGIN GENERATED name ... -->`` and ``<!-- END GENERATED name -->`` markers.
"""

from __future__ import annotations

import argparse
import functools
import io
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from framecast import (
    CameraMove,
    CameraPlan,
    FramecastError,
    GenerationRequest,
    ImageRef,
    Mode,
    ModelInfo,
    ProviderInfo,
    ProviderSettings,
)

DOCS = Path(__file__).resolve().parent

#: The providers this repository ships, in the order the tables show them. A provider
#: installed from elsewhere is left out on purpose: the committed page must not depend on
#: what else happens to be installed on the machine that regenerates it. ``name@region``
#: loads the provider with ``region`` set in its ``[name]`` table (a provider whose region
#: changes its base URL and models gets a column or row per region).
PROVIDERS = ("preview", "runway", "kling", "seedance", "seedance@cn", "google", "luma")

#: The canonical ratios the ratio table asks each provider for.
CANONICAL_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")

#: The sample start image: 16:9, large enough for every provider's minimum side.
SAMPLE_SIZE = (1280, 720)
SAMPLE_PROMPT = "A lighthouse at dusk"


# --------------------------------------------------------------------------- providers


#: id(provider instance) -> how the tables name it (``seedance (cn)`` for ``seedance@cn``).
_LABELS: dict[int, str] = {}


def label(provider: Any) -> str:
    return _LABELS.get(id(provider)) or str(provider.provider_info().name)


def load_provider(entry: str) -> Any:
    """The provider instance, built the way the runner builds it, with no credentials;
    ``name@region`` with ``region`` in its config table."""
    name, _, region = entry.partition("@")
    # Not Runner(name): a runner would read framecast.toml and the environment of whoever
    # regenerates the page (default options, FRAMECAST_PLUGINS) and bake them into it.
    from framecast._plugins import load_provider_class

    cls = load_provider_class(name, env={})
    config = {"region": region} if region else {}
    provider = cls(ProviderSettings(name=name, env={}, config=config))
    if region:
        _LABELS[id(provider)] = f"{name} ({region})"
    return provider


@functools.cache
def sample_image() -> ImageRef:
    from PIL import Image

    width, height = SAMPLE_SIZE
    buffer = io.BytesIO()
    Image.new("RGB", SAMPLE_SIZE, (90, 120, 160)).save(buffer, format="PNG")
    return ImageRef(
        source="bytes",
        data=buffer.getvalue(),
        media_type="image/png",
        width=width,
        height=height,
    )


def default_image_model(info: ProviderInfo) -> ModelInfo:
    name = info.default_model(Mode.IMAGE)
    model = info.model(name) if name else None
    if model is None:
        raise SystemExit(f"{info.name}: no default image-to-video model")
    return model


#: The sample start image as a URL, for models that take images only by URL.
SAMPLE_URL = "https://example.com/lighthouse.png"


def image_request(model: ModelInfo, **fields: Any) -> GenerationRequest:
    # Shaped like what the runner hands the hooks: images as ImageRef, key set.
    image = (
        sample_image()
        if model.image.local_files
        else ImageRef(source="url", url=SAMPLE_URL, width=SAMPLE_SIZE[0], height=SAMPLE_SIZE[1])
    )
    return GenerationRequest(
        prompt=SAMPLE_PROMPT,
        image=image,
        model=model.name,
        idempotency_key="docs-table",
        **fields,
    )


def map_ratio(provider: Any, request: GenerationRequest, model: ModelInfo) -> Any:
    """The provider's ``map_ratio``, or what the core does without one."""
    hook = getattr(provider, "map_ratio", None)
    if hook is None:
        from framecast._defaults import declared_ratio_plan

        return declared_ratio_plan(request, model)
    return hook(request=request, model=model)


def translate_camera(provider: Any, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
    """The provider's ``translate_camera``, or the core's prompt phrasing without one."""
    hook = getattr(provider, "translate_camera", None)
    if hook is None:
        from framecast._defaults import prompt_camera_plan

        return prompt_camera_plan(request, model)
    plan: CameraPlan = hook(request=request, model=model)
    return plan


# --------------------------------------------------------------------------- camera table


Column = tuple[Any, ModelInfo, dict[str, Any]]  # provider, model, request fields


def camera_cell(provider: Any, model: ModelInfo, move: CameraMove, **fields: Any) -> str:
    request = image_request(model, camera=move, **fields)
    try:
        ratio_plan = map_ratio(provider, request, model)
        plan: CameraPlan = translate_camera(provider, request, model)
        provider.prepare(request=request, model=model, ratio_plan=ratio_plan, camera_plan=plan)
    except FramecastError as exc:
        return f"refused: {exc.message}"
    if plan.method == "prompt":
        return f"prompt: {camera_clause(plan.prompt)}"
    if plan.method == "native":
        describe = NATIVE_DESCRIBERS.get(provider.provider_info().name, describe_native)
        return describe(move, plan)
    return "nothing sent"


def camera_clause(prompt: str) -> str:
    match = re.search(r"Camera: (.*?)\.?$", prompt)
    return match.group(1) if match else prompt


def describe_native(_move: CameraMove, plan: CameraPlan) -> str:
    """``native: zoom=-5`` — the non-zero leaves of the native parameters."""
    leaves = [f"{key}={value}" for key, value in _leaves(plan.native or {}) if value]
    return "native: " + ", ".join(leaves)


def _leaves(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "type":  # Kling's "simple": says nothing a reader needs
                continue
            yield from _leaves(inner, key)
    else:
        yield prefix, value


def describe_preview(move: CameraMove, _plan: CameraPlan) -> str:
    """What the preview's renderer does with the move, read off its camera path."""
    from framecast_preview import _motion

    aspect = SAMPLE_SIZE[0] / SAMPLE_SIZE[1]
    frames = 24 * 5
    path = _motion.camera_path(move.value, frames, aspect=aspect, seed=0)
    first, last = path[0], path[-1]
    if move is CameraMove.HANDHELD:
        dx = max(abs(p.dx) for p in path)
        dy = max(abs(p.dy) for p in path)
        roll = max(abs(p.angle) for p in path)
        return (
            f"preview: seeded sway at zoom {first.zoom:.2f}, up to {dx:.0%} sideways, "
            f"{dy:.0%} vertically, {roll:.1f}° roll"
        )
    parts = []
    if abs(last.zoom - first.zoom) > 1e-6:
        verb = "shrinks" if last.zoom > first.zoom else "grows"
        quarter = path[frames // 4].zoom
        share = (quarter - first.zoom) / (last.zoom - first.zoom)
        parts.append(
            f"window {verb}, zoom {first.zoom:.2f}→{last.zoom:.2f} ({share:.0%} done at ¼ time)"
        )
    elif abs(first.zoom - 1) > 1e-6:
        parts.append(f"zoom {first.zoom:.2f}")
    if abs(last.dx - first.dx) > 1e-6:
        side = "right" if last.dx > first.dx else "left"
        parts.append(f"slides {side} {abs(last.dx - first.dx):.0%} of its width")
    if abs(last.dy - first.dy) > 1e-6:
        side = "down" if last.dy > first.dy else "up"
        parts.append(f"slides {side} {abs(last.dy - first.dy):.0%} of its height")
    if abs(last.angle - first.angle) > 1e-6:
        parts.append(f"rolls {abs(last.angle - first.angle):.1f}°")
    return "preview: " + (", ".join(parts) if parts else "window holds still")


def describe_concepts(_move: CameraMove, plan: CameraPlan) -> str:
    """``native: concept pedestal_up`` — Luma's named camera concepts."""
    keys = [c.get("key") for c in (plan.native or {}).get("concepts", ())]
    return "native: concept " + ", ".join(f"`{k}`" for k in keys)


NATIVE_DESCRIBERS: dict[str, Callable[[CameraMove, CameraPlan], str]] = {
    "preview": describe_preview,
    "luma": describe_concepts,
}


def native_variant(provider: Any) -> Column | None:
    """Where the default image model phrases moves in the prompt but another image model
    has a native control: the first model, duration and option choice that renders a move
    natively (``zoom_in`` first, then any other), so the table shows both renderings. The
    model as it is (no duration, no option) is tried before the combinations."""
    info = provider.provider_info()
    default = default_image_model(info)
    if _native(provider, default, {}):
        return None
    for model in info.models:
        if model.withdrawn or Mode.IMAGE not in model.modes or not model.supports_camera:
            continue
        if _native(provider, model, {}):
            return provider, model, {}
        choices = [
            {spec.name: choice}
            for spec in (*info.options, *model.options)
            for choice in (spec.choices or ())
        ]
        for duration in model.durations or (None,):
            for options in choices:
                fields: dict[str, Any] = {"duration": duration, "options": options}
                if _native(provider, model, fields):
                    return provider, model, fields
    return None


def _native(provider: Any, model: ModelInfo, fields: dict[str, Any]) -> bool:
    if _method(provider, model, fields, CameraMove.ZOOM_IN) == "native":
        return True
    return any(_method(provider, model, fields, move) == "native" for move in CameraMove)


def _method(
    provider: Any, model: ModelInfo, fields: dict[str, Any], move: CameraMove
) -> str | None:
    request = image_request(model, camera=move, **fields)
    try:
        plan = translate_camera(provider, request, model)
    except FramecastError:
        return None
    return getattr(plan, "method", None)


def _column_title(column: Column) -> str:
    provider, model, fields = column
    extra = []
    if fields.get("duration") is not None:
        extra.append(f"{fields['duration']} s")
    extra.extend(f"`{k}={v}`" for k, v in (fields.get("options") or {}).items())
    suffix = ", " + ", ".join(extra) if extra else ""
    return f"{label(provider)} (`{model.name}`{suffix})"


def camera_table(providers: list[Any]) -> str:
    columns: list[Column] = []
    for provider in providers:
        columns.append((provider, default_image_model(provider.provider_info()), {}))
        variant = native_variant(provider)
        if variant is not None:
            columns.append(variant)
    header = ["move", *(_column_title(c) for c in columns)]
    rows = [header, ["---"] * len(header)]
    for move in CameraMove:
        cells = [camera_cell(p, m, move, **fields) for p, m, fields in columns]
        rows.append([f"`{move.value}`", *cells])
    return _markdown(rows)


# --------------------------------------------------------------------------- ratio tables


def ratio_cell(provider: Any, model: ModelInfo, ratio: str) -> str:
    plan = _ratio_plan(provider, model, ratio, "error")
    if isinstance(plan, str):
        fitted = _ratio_plan(provider, model, ratio, "crop")
        if isinstance(fitted, str):
            return f"refused ({plan})"
        return f"with `image_fit=crop`/`pad`: {_describe_ratio_plan(fitted)}"
    return _describe_ratio_plan(plan)


def _ratio_plan(provider: Any, model: ModelInfo, ratio: str, fit: str) -> Any:
    request = image_request(model, ratio=ratio, image_fit=fit)
    try:
        return map_ratio(provider, request, model)
    except FramecastError as exc:
        allowed = exc.details.get("allowed")
        if isinstance(allowed, list) and allowed:
            return "allowed: " + ", ".join(str(a) for a in allowed if a is not None)
        return str(allowed or "no such ratio")


def _describe_ratio_plan(plan: Any) -> str:
    if plan.fit != "none":
        return f"image {plan.fit}ped to {plan.fit_aspect}" + (
            f", sends `{plan.wire_value}`" if plan.wire_value else ""
        )
    if plan.wire_value:
        return f"`{plan.wire_value}`"
    return "follows the image"


def ratio_mapping_table(providers: list[Any]) -> str:
    columns = [(p, default_image_model(p.provider_info())) for p in providers]
    header = ["asked", *(f"{label(p)} (`{m.name}`)" for p, m in columns)]
    rows = [header, ["---"] * len(header)]
    for ratio in CANONICAL_RATIOS:
        rows.append([f"`{ratio}`", *(ratio_cell(p, m, ratio) for p, m in columns)])
    return _markdown(rows)


def models_table(providers: list[Any]) -> str:
    header = ["provider", "model", "modes", "ratios", "durations (s)", "prompt limit"]
    rows = [header, ["---"] * len(header)]
    for provider in providers:
        info = provider.provider_info()
        defaults: dict[str, list[str]] = {}
        for mode in Mode:  # in Mode's order, so the page does not depend on dict order
            chosen = info.default_models.get(mode)
            if chosen:
                defaults.setdefault(chosen, []).append(str(mode))
        for model in info.models:
            name = f"`{model.name}`"
            if model.name in defaults:
                name += f" (default: {', '.join(defaults[model.name])})"
            if model.withdrawn:
                instead = f", use `{model.replacement}`" if model.replacement else ""
                rows.append([label(provider), name, f"withdrawn{instead}", "", "", ""])
                continue
            modes = ", ".join(str(m) for m in Mode if m in model.modes)
            rows.append(
                [
                    label(provider),
                    name,
                    modes,
                    _ratios(model),
                    _durations(model),
                    _limit(model),
                ]
            )
    return _markdown(rows)


def _ratios(model: ModelInfo) -> str:
    if model.any_ratio:
        return "any W:H"
    if not model.ratios:
        return "follows the image" if model.kind == "video" else "—"
    return ", ".join(f"**{r}**" if r == model.default_ratio else r for r in model.ratios)


def _durations(model: ModelInfo) -> str:
    if not model.durations:
        return "—"
    return ", ".join(f"**{d}**" if d == model.default_duration else str(d) for d in model.durations)


def _limit(model: ModelInfo) -> str:
    if model.prompt_limit is None:
        return "—"
    unit = "UTF-16 units" if model.prompt_unit == "utf16" else "characters"
    return f"{model.prompt_limit:,} {unit}"


# --------------------------------------------------------------------------- settings


def settings_table(providers: list[Any]) -> str:
    header = [
        "provider",
        "credentials",
        "base URL override",
        "default base URL",
        "official hosts",
        "poll floor",
        "running tasks",
        "output URLs last",
        "output download",
        "cancel",
        "dedupe",
    ]
    rows = [header, ["---"] * len(header)]
    from framecast.testing import provider_info

    for provider in providers:
        info = provider_info(provider)  # supports_cancel / supports_dedupe from its hooks
        rows.append(
            [
                label(provider),
                _codes(info.credential_variables, ", ") or "none",
                _codes(info.base_url_variables, " or ") or "—",
                f"`{info.default_base_url}`" if info.default_base_url else "— (local)",
                _codes(info.official_hosts, ", ") or "—",
                f"{info.poll_floor:g} s",
                str(info.suggested_max_running_tasks or "no cap"),
                _lifetime(info.output_url_lifetime),
                "with the key, own origins only" if info.output_needs_auth else "no credentials",
                "yes" if info.supports_cancel else "no",
                "yes" if info.supports_dedupe else "no",
            ]
        )
    return _markdown(rows)


def _codes(values: Iterable[str], joiner: str) -> str:
    return joiner.join(f"`{v}`" for v in values)


def _lifetime(seconds: float | None) -> str:
    if seconds is None:
        return "until deleted"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:g} days"
    return f"{seconds / 3600:g} h"


def options_table(providers: list[Any]) -> str:
    header = ["provider", "option", "type", "allowed", "default", "models", "what it does"]
    rows = [header, ["---"] * len(header)]
    for provider in providers:
        info = provider.provider_info()
        # One row per distinct declaration: models that declare an option alike share a row.
        found: dict[str, tuple[Any, list[str]]] = {}
        for spec in info.options:
            found[repr(spec)] = (spec, ["all"])
        for model in info.models:
            if model.withdrawn:
                continue
            for spec in model.options:
                _, names = found.setdefault(repr(spec), (spec, []))
                if names != ["all"]:
                    names.append(model.name)
        for spec, names in found.values():
            rows.append(
                [
                    label(provider),
                    f"`{spec.name}`",
                    spec.type,
                    _allowed(spec),
                    "—" if spec.default is None else f"`{spec.default}`",
                    ", ".join(f"`{n}`" if n != "all" else n for n in names),
                    spec.doc,
                ]
            )
    return _markdown(rows)


def _allowed(spec: Any) -> str:
    if spec.choices:
        return ", ".join(f"`{c}`" for c in spec.choices)
    if spec.minimum is not None or spec.maximum is not None:
        low = "" if spec.minimum is None else f"{spec.minimum:g}"
        high = "" if spec.maximum is None else f"{spec.maximum:g}"
        return f"{low} to {high}"
    return "any"


# --------------------------------------------------------------------------- the pages


def _markdown(rows: list[list[str]]) -> str:
    lines = ("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)
    return "\n".join(lines)


#: Which page holds each generated table.
SECTION_PAGES = {
    "camera-table": "concepts.md",
    "ratio-table": "concepts.md",
    "models-table": "concepts.md",
    "settings-table": "configuration.md",
    "options-table": "configuration.md",
}


def sections() -> dict[str, str]:
    """Marker name -> generated Markdown."""
    providers = [load_provider(name) for name in PROVIDERS]
    # A region renders camera moves and ratios as its provider's default region does: the
    # wide tables show each provider once; models, settings and options show every region.
    once = [p for p in providers if id(p) not in _LABELS]
    return {
        "camera-table": camera_table(once),
        "ratio-table": ratio_mapping_table(once),
        "models-table": models_table(providers),
        "settings-table": settings_table(providers),
        "options-table": options_table(providers),
    }


def render(page: str, generated: dict[str, str]) -> str:
    """``page`` with each generated table put between its markers."""
    for name, body in generated.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED {name} .*?-->\n).*?(<!-- END GENERATED {name} -->)",
            re.DOTALL,
        )
        match = pattern.search(page)
        if match is None:
            raise SystemExit(f"{SECTION_PAGES[name]}: the markers for {name!r} are missing")
        page = (
            page[: match.start()]
            + f"{match.group(1)}{body}\n{match.group(2)}"
            + page[match.end() :]
        )
    return page


def stale_sections(page: str, generated: dict[str, str]) -> list[str]:
    """The tables of ``generated`` whose committed copy in ``page`` differs."""
    return [name for name in generated if render(page, {name: generated[name]}) != page]


def by_page(generated: dict[str, str]) -> dict[str, dict[str, str]]:
    pages: dict[str, dict[str, str]] = {}
    for name, body in generated.items():
        pages.setdefault(SECTION_PAGES[name], {})[name] = body
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a table is stale")
    args = parser.parse_args(argv)
    status = 0
    for name, generated in by_page(sections()).items():
        path = DOCS / name
        page = path.read_text(encoding="utf-8")
        if not args.check:
            path.write_text(render(page, generated), encoding="utf-8")
            continue
        stale = stale_sections(page, generated)
        if stale:
            print(
                f"stale tables in {name}: {', '.join(stale)}; run python docs/_generate.py",
                file=sys.stderr,
            )
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
