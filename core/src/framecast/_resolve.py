"""Resolution: which provider a ``Runner`` drives, with which settings, hooks and defaults.

    resolved = resolve_provider("runway", settings=None, plugins=(), clock=SystemClock(),
                                env=os.environ, config=load_config())
    resolved.provider_name, resolved.base_url, resolved.hook.submit

Explicit arguments beat the environment, which beats the config file (docs/configuration.md).
"""

from __future__ import annotations

import inspect
import os
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ._checks import check_number, parse_number
from ._clock import Clock
from ._config import (
    Config,
    check_provider_table,
    load_config,
    provider_source,
    resolve_provider_name,
    with_source,
)
from ._errors import ConfigurationError, FramecastError
from ._models import ProviderInfo, ProviderSettings
from ._plugins import (
    PluginLoadError,
    ProviderEntry,
    completed_info,
    entry_of_class,
    find_entry,
    load_provider_class,
    make_plugin_manager,
)

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "Resolved",
    "is_official",
    "provider_list",
    "resolve_poll_interval",
    "resolve_provider",
    "resolve_timeout",
]

DEFAULT_POLL_INTERVAL = 1.0  # seconds, when neither the provider nor the user sets one


class _DefaultTimeout(float):
    """600 s, but marked: only an explicit ``timeout`` beats the config file's."""


DEFAULT_TIMEOUT = _DefaultTimeout(600.0)


def provider_list(
    provider: Any, env: Mapping[str, str] | None, config: Config | None
) -> list[Any] | None:
    """The providers to fail over between, or ``None`` for one provider."""
    if isinstance(provider, (list, tuple)):
        return list(provider)
    if provider is None:
        environ = os.environ if env is None else env
        provider = environ.get("FRAMECAST_PROVIDER") or (config or load_config()).provider
    if isinstance(provider, str) and "," in provider:
        return [name.strip() for name in provider.split(",") if name.strip()]
    return None


@attrs.frozen
class Resolved:
    """A provider, ready to run: its instance, hooks, completed info and settings."""

    provider: object
    entry: ProviderEntry
    hook: Any  # the plugin manager's hook relay
    info: ProviderInfo
    settings: ProviderSettings
    provider_name: str
    base_url: str
    default_model: str | None


def resolve_provider(
    provider: str | type | object | None,
    *,
    settings: ProviderSettings | None,
    plugins: Iterable[object],
    clock: Clock,
    env: Mapping[str, str],
    config: Config,
) -> Resolved:
    cls, instance, entry = _provider_class(provider, env, config)
    table = config.table(entry.name)
    explicit_settings = settings is not None
    settings = _settings_for(entry, table, settings, env, clock)
    if instance is None:
        instance = _instantiate(cls, settings, entry)
    pm = make_plugin_manager(instance, entry, plugins)
    info = completed_info(pm.hook.provider_info(), instance, entry.describe())
    name = info.name or entry.name
    _register_credentials(settings, info)
    base_url = _base_url(info, settings, explicit_settings)
    check_provider_table(config, entry.name, info.config_keys)
    # The file's top-level model belongs to the provider the file names (or to any).
    top_model = config.model if config.provider in (None, name) else None
    return Resolved(
        provider=instance,
        entry=entry,
        hook=pm.hook,
        info=info,
        settings=settings,
        provider_name=name,
        base_url=base_url,
        default_model=table.get("model", top_model),
    )


def _provider_class(
    provider: str | type | object | None, env: Mapping[str, str], config: Config
) -> tuple[Any, object | None, ProviderEntry]:
    """The provider's class, its instance if one was given, and the entry naming it."""
    if isinstance(provider, str) or provider is None:
        name = resolve_provider_name(provider, env, config)
        try:
            entry = find_entry(name, env)
            cls: Any = load_provider_class(name, env)
        except ConfigurationError as exc:
            raise with_source(exc, provider_source(provider, env, config)) from None
        if entry.distribution is None:
            entry = entry_of_class(cls) or entry  # an installed provider by another path
        return cls, None, entry
    if inspect.isclass(provider):
        # Only the class's own entry: a subclass must not inherit its parent's name.
        entry = (
            provider.__dict__.get("__framecast_entry__")
            or entry_of_class(provider)
            or _entry_named(getattr(provider, "name", provider.__name__.lower()), provider)
        )
        return provider, None, entry
    cls = type(provider)
    entry = entry_of_class(cls) or _entry_named(
        getattr(provider, "name", cls.__name__.lower()), cls
    )
    return cls, provider, entry


def _entry_named(name: str, cls: type) -> ProviderEntry:
    return ProviderEntry(name=name, value=f"{cls.__module__}:{cls.__qualname__}")


def _settings_for(
    entry: ProviderEntry,
    table: Mapping[str, Any],
    settings: ProviderSettings | None,
    env: Mapping[str, str],
    clock: Clock,
) -> ProviderSettings:
    if settings is None:
        return ProviderSettings(
            name=entry.name,
            base_url=table.get("base_url"),
            env=env,
            options=dict(table.get("options", {})),
            max_running_tasks=table.get("max_running_tasks"),
            config=dict(table),
            clock=clock,
        )
    if settings.clock is None:
        return attrs.evolve(settings, clock=clock)
    return settings


def _register_credentials(settings: ProviderSettings, info: ProviderInfo) -> None:
    """Every credential the provider declares is redacted from here on, whichever way
    its plugin reads it (``require`` also strips and checks it)."""
    from ._secrets import register_secret

    for variable in info.credential_variables:
        value = settings.env.get(variable)
        if value and value.strip():
            register_secret(value.strip(), variable)


def _instantiate(cls: Any, settings: ProviderSettings, entry: ProviderEntry) -> object:
    try:
        return cls(settings)  # type: ignore[no-any-return]
    except FramecastError:
        raise
    except Exception as exc:
        raise PluginLoadError(
            f"cannot instantiate {entry.describe()}: {type(exc).__name__}: {exc}"
        ) from exc


def _base_url(info: ProviderInfo, settings: ProviderSettings, explicit: bool) -> str:
    from_env = settings.get(*info.base_url_variables)
    if explicit:
        url = settings.base_url or from_env
    else:  # settings.base_url came from the config file, which the environment beats
        url = from_env or settings.base_url
    url = (url or info.default_base_url).rstrip("/")
    _check_base_url(info, settings, url)
    return url


def _check_base_url(info: ProviderInfo, settings: ProviderSettings, url: str) -> None:
    """A provider reached over HTTP needs an ``http://`` or ``https://`` base URL with a
    host: anything else fails before a byte is sent, so it is a ``ConfigurationError``
    now, never a submit that "may have created the task"."""
    if not info.default_base_url.startswith(("http://", "https://")):
        return  # a local provider: its base URL is its own business
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return
    variable = next((v for v in info.base_url_variables if settings.env.get(v)), None)
    source = variable or "base_url"
    raise ConfigurationError(
        f"{source} must be an http:// or https:// URL with a host, got {url!r}; nothing "
        f"was sent. Set it like {info.default_base_url}",
        details={"variables": [variable] if variable else [], "value": url},
    )


def is_official(info: ProviderInfo, url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in info.official_hosts


def resolve_timeout(timeout: float | None, config: Config) -> float | None:
    if timeout is None or timeout is DEFAULT_TIMEOUT:
        return config.timeout if config.timeout is not None else timeout
    return timeout


def resolve_poll_interval(
    info: ProviderInfo, base_url: str, env: Mapping[str, str], explicit: float | None
) -> float:
    floor = info.poll_floor
    wanted = explicit
    bounds: dict[str, Any] = {"minimum": 0, "unit": "seconds", "error": ConfigurationError}
    if wanted is not None:
        wanted = check_number(wanted, "poll_interval", **bounds)
    elif env.get("FRAMECAST_POLL_INTERVAL"):
        wanted = parse_number(
            env["FRAMECAST_POLL_INTERVAL"],
            "FRAMECAST_POLL_INTERVAL",
            source="the environment",
            **bounds,
        )
    if wanted is None:
        # A provider without a floor (a local renderer) still gets a sane default.
        return floor if floor > 0 else DEFAULT_POLL_INTERVAL
    if is_official(info, base_url):
        return max(wanted, floor)  # the floor is the provider's rule on its own hosts
    return max(0.0, wanted)
