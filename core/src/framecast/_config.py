"""Configuration (docs/configuration.md): explicit arguments > environment > config file.

The file is ``framecast.toml`` in the working folder, or ``[tool.framecast]`` in its
``pyproject.toml``: keys ``provider``, ``model``, ``timeout`` and a table per provider
(``[runway]``: ``base_url``, ``model``, ``max_running_tasks``, ``options``...). Credentials
come from the environment only.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from ._checks import check_number
from ._errors import ConfigurationError

__all__ = [
    "Config",
    "ConfigKey",
    "check_keys",
    "check_provider_table",
    "load_config",
    "resolve_provider_name",
]

logger = logging.getLogger("framecast")

DEFAULT_PROVIDER = "preview"


@attrs.frozen
class Config:
    provider: str | None = None
    model: str | None = None
    timeout: float | None = None
    tables: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    source: str | None = None  # the file it came from

    def table(self, provider: str) -> Mapping[str, Any]:
        value = self.tables.get(provider, {})
        return value if isinstance(value, Mapping) else {}


def load_config(cwd: str | os.PathLike[str] | None = None) -> Config:
    folder = Path(cwd) if cwd is not None else Path.cwd()
    for path, section in ((folder / "framecast.toml", None), (folder / "pyproject.toml", "tool")):
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
        if section is not None:
            data = data.get("tool", {}).get("framecast")
            if data is None:
                continue
        return _from_mapping(data, str(path))
    return Config()


@attrs.frozen
class ConfigKey:
    """A key a table of framecast.toml may hold, declared by the code that reads it (the
    core, a provider plugin, the CLI), so a misspelt key is warned about and a wrong type
    refused, naming the file, the table and the key."""

    name: str
    type: Literal["str", "int", "number", "bool", "table"] = "str"
    minimum: float | None = None
    doc: str = ""
    unit: str = ""


#: The top level of the file.
TOP_LEVEL_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("provider", "str", doc="a provider name, or a list of names to fail over"),
    ConfigKey("model", "str", doc="a model name"),
    ConfigKey("timeout", "number", minimum=0, doc="seconds, > 0", unit="seconds"),
)
#: What the core reads from every provider's table; the plugin declares the rest
#: (``ProviderInfo.config_keys``).
PROVIDER_TABLE_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("base_url", "str", doc="an http(s) URL"),
    ConfigKey("model", "str", doc="a model name"),
    ConfigKey("max_running_tasks", "int", minimum=0, doc=">= 0; 0: no cap"),
    ConfigKey("options", "table", doc="options = { name = value }"),
)
_TYPE_WORDS = {
    "str": "a string",
    "int": "a whole number",
    "number": "a number",
    "bool": "true or false",
    "table": "a table",
}
_warned: set[tuple[str, str, str]] = set()


def check_keys(
    table: Mapping[str, Any],
    keys: Iterable[ConfigKey],
    source: str | None,
    table_name: str | None = None,
) -> None:
    """Check one table against the keys its reader declares: a wrong type or range is a
    ``ConfigurationError`` naming file, table, key, value and what is expected; an unknown
    key is warned about (once) with the closest known key. Subtables are left to whoever
    declares them."""
    import difflib

    declared = {key.name: key for key in keys}
    where = source or "framecast.toml"
    prefix = f"{table_name}." if table_name else ""
    for name, value in table.items():
        key = declared.get(name)
        if key is None:
            if isinstance(value, Mapping) and table_name is None:
                continue  # a table: its own reader (a provider, the CLI, another tool) checks it
            if (where, prefix, name) in _warned:
                continue
            _warned.add((where, prefix, name))
            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(sorted(declared)) or "none"
            table_words = f" in [{table_name}]" if table_name else ""
            logger.warning(
                "%s: unknown key %r%s is ignored%s (known keys: %s)",
                where,
                name,
                table_words,
                hint,
                known,
            )
            continue
        _check_value(key, value, where, prefix)


def _check_value(key: ConfigKey, value: Any, where: str, prefix: str) -> None:
    expected = _TYPE_WORDS[key.type] + (f" ({key.doc})" if key.doc else "")
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "table": isinstance(value, Mapping),
    }[key.type]
    if not ok:
        raise ConfigurationError(
            f"{where}: {prefix}{key.name} must be {expected}; got {value!r} "
            f"({type(value).__name__})",
            details={
                "source": where,
                "table": prefix.rstrip(".") or None,
                "field": key.name,
                "value": value if isinstance(value, (str, int, float, bool)) else repr(value),
                "allowed": expected,
            },
        )
    if key.type in ("int", "number"):
        check_number(
            value,
            f"{prefix}{key.name}",
            minimum=key.minimum,
            exclusive_minimum=key.name == "timeout",
            integer=key.type == "int",
            unit=key.unit,
            source=where,
            error=ConfigurationError,
        )


def _from_mapping(data: Mapping[str, Any], source: str) -> Config:
    provider = data.get("provider")
    if isinstance(provider, list) and provider and all(isinstance(p, str) for p in provider):
        # A failover list, in the order to try: kept as "kling,runway", as the CLI takes it.
        data = {**data, "provider": ",".join(provider)}
    check_keys(data, TOP_LEVEL_KEYS, source)
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for name, table in tables.items():
        _check_table(name, table, source)
    return Config(
        provider=data.get("provider"),
        model=data.get("model"),
        timeout=data.get("timeout"),
        tables=tables,
        source=source,
    )


def _check_table(name: str, table: Mapping[str, Any], source: str) -> None:
    """A wrong type in a provider table fails here, naming it, not deep inside a request.
    Unknown keys are warned about once the provider's own keys are known
    (``check_provider_table``)."""
    for key in PROVIDER_TABLE_KEYS:
        if key.name in table:
            _check_value(key, table[key.name], source, f"{name}.")
    options = table.get("options")
    if isinstance(options, Mapping):
        for option, value in options.items():
            if isinstance(value, float):
                check_number(
                    value, f"{name}.options.{option}", source=source, error=ConfigurationError
                )


def check_provider_table(
    config: Config, provider: str, declared: Iterable[ConfigKey] | None
) -> None:
    """Warn about unknown keys in ``[provider]`` once the plugin's keys are known
    (``None``: the plugin declares none, so nothing is warned about)."""
    if declared is None or provider not in config.tables:
        return
    check_keys(config.table(provider), (*PROVIDER_TABLE_KEYS, *declared), config.source, provider)


def provider_source(explicit: str | None, env: Mapping[str, str], config: Config) -> str | None:
    """Where ``resolve_provider_name``'s answer came from, for a message about it."""
    if explicit:
        return None  # the caller's own argument: the message already shows it
    if env.get("FRAMECAST_PROVIDER"):
        return "the environment variable FRAMECAST_PROVIDER"
    if config.provider:
        return f"'provider' in {config.source or 'framecast.toml'}"
    return None


def with_source(error: ConfigurationError, source: str | None) -> ConfigurationError:
    """``error`` with where its value came from added to the message (``None``: as is)."""
    if source is None or error.details.get("source"):
        return error
    again = type(error)(
        f"{error.message} (set by {source})",
        handle=error.handle,
        details={**error.details, "source": source},
    )
    again.__cause__ = error.__cause__
    return again


def resolve_provider_name(explicit: str | None, env: Mapping[str, str], config: Config) -> str:
    """Argument > ``FRAMECAST_PROVIDER`` > config file > ``preview`` when installed."""
    if explicit:
        return explicit
    if env.get("FRAMECAST_PROVIDER"):
        return env["FRAMECAST_PROVIDER"]
    if config.provider:
        return config.provider
    from ._plugins import list_providers

    installed = [e.name for e in list_providers(env)]
    if DEFAULT_PROVIDER in installed:
        return DEFAULT_PROVIDER
    if len(installed) == 1:
        return installed[0]
    if installed:
        raise ConfigurationError(
            f"several providers are installed ({', '.join(installed)}): choose one with "
            "--provider, FRAMECAST_PROVIDER or 'provider' in framecast.toml"
        )
    raise ConfigurationError(
        "no provider is installed; install one, e.g. 'pip install ./plugins/preview' "
        "(offline, no API key) or ./runway_plugin, ./kling_plugin from the framecast repository"
    )
