"""``framecast providers`` and ``framecast cameras``.

Listing providers reads entry-point metadata only: no provider module is imported unless
``--check`` or a NAME asks for it, and a provider that fails to load is shown with its
error instead of taking the command down.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ._output import Output

if TYPE_CHECKING:
    from .._models import ModelInfo, OptionSpec, ProviderInfo
    from .._plugins import ProviderCheck, ProviderEntry

__all__ = ["INSTALL_HINT", "show_cameras", "show_providers"]

INSTALL_HINT = (
    "no provider is installed: from the framecast repository, pip install ./plugins/preview "
    "(offline, no API key), ./runway_plugin or ./kling_plugin"
)


def show_providers(out: Output, *, name: str | None, check: bool) -> int:
    from .._plugins import check_provider, list_providers, unknown_provider

    if name is not None:
        if ":" not in name and name not in {entry.name for entry in list_providers()}:
            return out.error(unknown_provider(name))
        return _list_checks(out, [check_provider(name)], single=True)
    entries = list_providers()
    if not check:
        return _list_entries(out, entries)
    return _list_checks(out, [check_provider(entry.name) for entry in entries])


def nothing_listed() -> tuple[str, int]:
    """Why no provider is listed, and the exit code: none installed (say how to add one:
    0), or FRAMECAST_PLUGINS names none of those installed (a setting to fix: 2)."""
    from .._plugins import list_providers

    limit = os.environ.get("FRAMECAST_PLUGINS", "").strip()
    installed = [entry.name for entry in list_providers({})]
    if limit and installed:
        return (
            f"FRAMECAST_PLUGINS={limit} names no installed provider (installed: "
            f"{', '.join(installed)}); unset it or name one of those",
            2,
        )
    return INSTALL_HINT, 0


def _list_entries(out: Output, entries: list[ProviderEntry]) -> int:
    if out.json_mode:
        out.emit({"providers": [_entry_dict(entry) for entry in entries]})
    if not entries:
        why, code = nothing_listed()
        out.message(f"framecast: {why}")
        return code
    if out.json_mode:
        return 0
    from rich.table import Table

    table = Table("provider", "distribution", "version", "entry point", box=None)
    for entry in entries:
        table.add_row(entry.name, entry.distribution or "-", entry.version or "-", entry.value)
    out.stdout.print(table)
    for entry in entries:
        if entry.conflicts:
            out.message(
                f"framecast: {entry.name!r} is registered more than once (also "
                f"{'; '.join(entry.conflicts)}): it is refused until one is uninstalled"
            )
    return 0


def _list_checks(out: Output, checks: list[ProviderCheck], *, single: bool = False) -> int:
    # Asked for one provider that cannot load: that is the answer, and it is a failure.
    failed = 2 if single and checks and checks[0].info is None else 0
    if out.json_mode:
        listed = [_check_dict(check) for check in checks]
        out.emit(listed[0] if single else {"providers": listed})
        return failed
    if not checks:
        why, code = nothing_listed()
        out.message(f"framecast: {why}")
        return code
    from rich.markup import escape
    from rich.table import Table

    for check in checks:
        entry = check.entry
        origin = f"{entry.distribution} {entry.version}" if entry.distribution else entry.value
        if check.info is None:
            out.stdout.print(
                f"[bold]{escape(entry.name)}[/] ({escape(origin)}): "
                f"[red]cannot load[/]: {escape(check.error or 'unknown error')}"
            )
            continue
        info: ProviderInfo = check.info
        out.stdout.print(f"[bold]{escape(entry.name)}[/] ({escape(origin)})")
        defaults = _default_labels(info)
        rows = [_model_row(model, defaults) for model in info.models]
        if not out.stdout.is_terminal:
            # Piped (grep, a file): one line per model, nothing wrapped or cut.
            for name, kind, modes, ratios, durations, prompt in rows:
                out.stdout.print(
                    escape(
                        f"  {name.replace(chr(10), ' ')}: {kind}; modes {modes}; ratios {ratios}; "
                        f"durations {durations}; prompt {prompt}"
                    ),
                    soft_wrap=True,
                )
        else:
            table = Table(box=None)
            # A model name is what users type: never wrapped or cut; the other columns wrap.
            widest = max((len(row[0].split("\n", 1)[0]) for row in rows), default=5)
            table.add_column("model", min_width=widest, overflow="fold")
            for header in ("kind", "modes", "ratios", "durations (s)", "prompt"):
                table.add_column(header)
            for row in rows:
                table.add_row(*(escape(cell) for cell in row))
            out.stdout.print(table)
        options = _option_rows(info)
        if options and not out.stdout.is_terminal:
            out.stdout.print("  options (-o NAME VALUE):")
            for name, kind, allowed, default, models in options:
                out.stdout.print(
                    escape(
                        f"  {name}: {kind}; allowed {allowed}; default {default}; models {models}"
                    ),
                    soft_wrap=True,
                )
        elif options:
            table = Table(box=None)
            widest = max(len(row[0]) for row in options)
            table.add_column("option (-o)", min_width=widest, overflow="fold")
            table.add_column("type")
            table.add_column("allowed", overflow="fold")
            table.add_column("default", overflow="fold")
            table.add_column("models", overflow="fold")
            for row in options:
                table.add_row(*(escape(cell) for cell in row))
            out.stdout.print(table)
    if not failed:
        out.stdout.print("* default duration")
    return failed


def _default_labels(info: ProviderInfo) -> dict[str, str]:
    """Model name -> its "(default ...)" mark. A provider with one default per mode (a
    text model, an image model) says which mode, or two "(default)" rows would contradict
    each other."""
    modes_of: dict[str, list[str]] = {}
    for mode, name in info.default_models.items():
        modes_of.setdefault(name, []).append(mode.value)
    if len(modes_of) <= 1:
        return {name: "\n(default)" for name in modes_of}
    return {
        name: f"\n(default for {', '.join(sorted(m))} requests)" for name, m in modes_of.items()
    }


def _model_row(model: ModelInfo, defaults: dict[str, str]) -> tuple[str, ...]:
    name = model.name + defaults.get(model.name, "")
    if model.withdrawn:
        name += f"\n(withdrawn; use {model.replacement})" if model.replacement else "\n(withdrawn)"
    modes = ", ".join(sorted(mode.value for mode in model.modes))
    if model.any_ratio:
        ratios = "any W:H"
    else:
        ratios = ", ".join(model.ratios) if model.ratios else "follows the image"
    if not model.durations:
        durations = "-"
    else:
        durations = ", ".join(
            f"{d}*" if d == model.default_duration else str(d) for d in model.durations
        )
    return name, model.kind, modes, ratios, durations, _prompt_limit(model)


def _prompt_limit(model: ModelInfo) -> str:
    if model.prompt_limit is None:
        return "-"
    unit = "UTF-16 units" if model.prompt_unit == "utf16" else "chars"
    return f"{model.prompt_limit:,} {unit}"


def _option_rows(info: ProviderInfo) -> list[tuple[str, str, str, str, str]]:
    """Provider-wide options first, then each model's, one row per distinct option."""
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for spec in info.options:
        rows.setdefault(_option_cells(spec), []).append("all")
    for model in info.models:
        for spec in model.options:
            rows.setdefault(_option_cells(spec), []).append(model.name)
    return [(*cells, ", ".join(models)) for cells, models in rows.items()]


def _option_cells(spec: OptionSpec) -> tuple[str, str, str, str]:
    if spec.choices:
        allowed = ", ".join(map(str, spec.choices))
    elif spec.minimum is not None or spec.maximum is not None:
        low = "" if spec.minimum is None else f"{spec.minimum:g}"
        high = "" if spec.maximum is None else f"{spec.maximum:g}"
        allowed = f"{low} to {high}".strip()
    else:
        allowed = "any"
    default = "-" if spec.default is None else str(spec.default)
    return spec.name, spec.type, allowed, default


def _entry_dict(entry: ProviderEntry) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": entry.name,
        "distribution": entry.distribution,
        "version": entry.version,
        "entry_point": entry.value,
    }
    if entry.conflicts:
        result["conflicts"] = list(entry.conflicts)
    return result


def _check_dict(check: ProviderCheck) -> dict[str, Any]:
    result = _entry_dict(check.entry)
    result["error"] = check.error
    info: ProviderInfo | None = check.info
    result["models"] = None if info is None else [_model_dict(model) for model in info.models]
    result["options"] = None if info is None else [_option_dict(spec) for spec in info.options]
    result["default_models"] = (
        None if info is None else {mode.value: name for mode, name in info.default_models.items()}
    )
    return result


def _model_dict(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name,
        "kind": model.kind,
        "modes": sorted(mode.value for mode in model.modes),
        "ratios": list(model.ratios),
        "default_ratio": model.default_ratio,
        "durations": list(model.durations),
        "default_duration": model.default_duration,
        "prompt_limit": model.prompt_limit,
        "prompt_unit": model.prompt_unit,
        "options": [_option_dict(spec) for spec in model.options],
        "withdrawn": model.withdrawn,
        "replacement": model.replacement,
    }


def _option_dict(spec: OptionSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type,
        "choices": None if spec.choices is None else list(spec.choices),
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        "default": spec.default,
        "doc": spec.doc,
    }


def show_cameras(out: Output) -> int:
    from .._camera import ALIASES, CAMERA_PHRASES

    if out.json_mode:
        out.emit(
            {
                "cameras": [
                    {"move": move.value, "phrase": phrase}
                    for move, phrase in CAMERA_PHRASES.items()
                ],
                "aliases": dict(ALIASES),
            }
        )
        return 0
    from rich.table import Table

    table = Table("move", "prompt phrase", box=None)
    for move, phrase in CAMERA_PHRASES.items():
        table.add_row(move.value, phrase)
    out.stdout.print(table)
    aliases = ", ".join(f"{alias} = {target}" for alias, target in ALIASES.items())
    out.message(f"aliases: {aliases}; one move per video (--camera MOVE)")
    return 0
