"""Configuration (docs/configuration.md): explicit arguments > environment > config file.

The file is ``framecast.toml`` in the working folder, or ``[tool.framecast]`` in its
``pyproject.toml``: keys ``provider``, ``model``, ``timeout`` and a table per provider
(``[runway]``: ``base_url``, ``model``, ``max_running_tasks``, ``options``...). Credentials
come from the environment only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ._errors import ConfigurationError

__all__ = ["Config", "load_config", "resolve_provider_name"]

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


def _from_mapping(data: Mapping[str, Any], source: str) -> Config:
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))):
        raise ConfigurationError(f"{source}: timeout must be a number of seconds, got {timeout!r}")
    provider = data.get("provider")
    if isinstance(provider, list) and provider and all(isinstance(p, str) for p in provider):
        provider = ",".join(provider)  # a failover list, in the order to try
    if provider is not None and not isinstance(provider, str):
        raise ConfigurationError(
            f"{source}: provider must be a name or a list of names, got {provider!r}"
        )
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise ConfigurationError(f"{source}: model must be a model name, got {model!r}")
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for name, table in tables.items():
        _check_table(name, table, source)
    return Config(
        provider=provider,
        model=model,
        timeout=timeout,
        tables=tables,
        source=source,
    )


def _check_table(name: str, table: Mapping[str, Any], source: str) -> None:
    """A wrong type in a provider table fails here, naming it, not deep inside a request."""
    for key in ("base_url", "model"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{source}: {name}.{key} must be a string, got {value!r}")
    cap = table.get("max_running_tasks")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        raise ConfigurationError(
            f"{source}: {name}.max_running_tasks must be a whole number >= 0 (0: no cap), "
            f"got {cap!r}"
        )
    options = table.get("options")
    if options is not None and not isinstance(options, Mapping):
        raise ConfigurationError(
            f"{source}: {name}.options must be a table (options = {{ name = value }}), "
            f"got {options!r}"
        )


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
