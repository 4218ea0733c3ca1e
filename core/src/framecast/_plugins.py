"""Finding and loading providers: entry points in group ``framecast`` (docs/plugins.md).

Listing reads metadata only and imports nothing; loading imports one provider and checks it
against the contract, wording every error with the entry point and distribution.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from typing import Any

import attrs

from ._errors import ConfigurationError

__all__ = [
    "ENTRY_POINT_GROUP",
    "RESERVED_PROVIDER_NAMES",
    "PluginLoadError",
    "ProviderCheck",
    "ProviderEntry",
    "check_provider",
    "entry_of_class",
    "find_entry",
    "list_providers",
    "load_provider_class",
    "make_plugin_manager",
]

ENTRY_POINT_GROUP = "framecast"

#: Names that choose a provider rather than name one (``provider = "cheapest"``): no
#: plugin may register them.
RESERVED_PROVIDER_NAMES: Mapping[str, str] = {
    "cheapest": "framecast's policy that picks the cheapest provider for each request",
}


def reserved_name_error(name: str, where: str) -> PluginLoadError:
    """The error for a plugin that registers a reserved name."""
    return PluginLoadError(
        f"{where} registers the provider name {name!r}, which is reserved for "
        f"{RESERVED_PROVIDER_NAMES[name]}; the plugin must register under another name "
        "(until it does, it can only be used by its path, module:attribute)",
        details={"provider": name, "reserved": True},
    )


class PluginLoadError(ConfigurationError):
    """A provider or host plugin could not be loaded, or breaks the contract."""


@attrs.frozen
class ProviderEntry:
    name: str
    value: str  # "module:attribute"
    distribution: str | None = None
    version: str | None = None
    #: Other installed entry points under the same name (their ``describe()``): the name
    #: is ambiguous and is refused until one is uninstalled.
    conflicts: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.distribution:
            return repr(self.value)  # a module:attribute path the user gave, no entry point
        return f"entry point {self.name!r} ({self.value}) from {self.distribution} {self.version}"


@attrs.frozen
class ProviderCheck:
    entry: ProviderEntry
    info: Any = None  # ProviderInfo
    error: str | None = None


def _allowed(env: Mapping[str, str] | None) -> set[str] | None:
    raw = (env if env is not None else os.environ).get("FRAMECAST_PLUGINS", "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    return names or None


def list_providers(env: Mapping[str, str] | None = None) -> list[ProviderEntry]:
    """Installed providers from entry-point metadata only (nothing is imported).

    ``FRAMECAST_PLUGINS=a,b`` limits the list to those names.
    """
    allowed = _allowed(env)
    entries: dict[str, ProviderEntry] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        dist = getattr(ep, "dist", None)
        entry = ProviderEntry(
            name=ep.name,
            value=ep.value,
            distribution=dist.metadata["Name"] if dist is not None else None,
            version=dist.version if dist is not None else None,
        )
        first = entries.get(ep.name)
        if first is None:
            entries[ep.name] = entry
        elif (first.value, first.distribution) != (entry.value, entry.distribution):
            # Two distributions claim one name: whichever importlib lists first would win
            # silently, and which one that is depends on sys.path order.
            entries[ep.name] = attrs.evolve(first, conflicts=(*first.conflicts, entry.describe()))
    return sorted(entries.values(), key=lambda e: e.name)


def find_entry(name: str, env: Mapping[str, str] | None = None) -> ProviderEntry:
    """The entry for ``name`` (an entry-point name or ``module:attribute``)."""
    if ":" in name:
        wanted = name.replace(" ", "")
        for entry in list_providers({}):
            if entry.value.replace(" ", "") == wanted:
                return entry  # an installed provider by its path: keep its name and table
        return ProviderEntry(name=name.split(":", 1)[1], value=name)
    for entry in list_providers(env):
        if entry.name == name:
            if name in RESERVED_PROVIDER_NAMES:
                raise reserved_name_error(name, entry.describe())
            if entry.conflicts:
                claims = [entry.describe(), *entry.conflicts]
                raise PluginLoadError(
                    f"provider name {name!r} is registered more than once: "
                    f"{'; '.join(claims)}. Uninstall all but one, or name the provider by "
                    f"its path (module:attribute, e.g. {entry.value.replace(' ', '')!r})",
                    details={"provider": name, "entry_points": claims},
                )
            return entry
    raise unknown_provider(name, env)


#: The plugins framecast's repository ships: provider name -> (distribution, its folder
#: in the repository). Only for wording the "install it" hint; discovery never reads it.
FRAMECAST_PLUGINS_SHIPPED: Mapping[str, tuple[str, str]] = {
    "preview": ("framecast-preview", "./plugins/preview"),
    "runway": ("framecast-runway", "./runway_plugin"),
    "kling": ("framecast-kling", "./kling_plugin"),
    "google": ("framecast-google", "./plugins/google"),
    "luma": ("framecast-luma", "./plugins/luma"),
    "seedance": ("framecast-seedance", "./plugins/seedance"),
}


def unknown_provider(name: str, env: Mapping[str, str] | None = None) -> ConfigurationError:
    """The error for a provider name no installed plugin registers: what is installed, and
    the command that installs the one asked for."""
    installed = [e.name for e in list_providers(env)]
    shown = f"installed: {', '.join(installed)}" if installed else "no provider is installed"
    limited = " (limited by FRAMECAST_PLUGINS)" if _allowed(env) else ""
    if name in FRAMECAST_PLUGINS_SHIPPED and name not in installed:
        distribution, folder = FRAMECAST_PLUGINS_SHIPPED[name]
        todo = (
            f"install its plugin, {distribution}: pip install {folder} "
            "(from a clone of the framecast repository)"
        )
    else:
        todo = (
            "install the plugin distribution that provides it, or check the spelling "
            "('framecast providers' lists what is installed)"
        )
    return ConfigurationError(
        f"unknown provider {name!r}; {shown}{limited}. To use it, {todo}",
        details={"provider": name, "installed": installed},
    )


def entry_of_class(cls: type) -> ProviderEntry | None:
    """The installed entry point naming ``cls``, found without importing anything: only
    modules already imported are looked at (the caller holds the class, so its is)."""
    import sys

    for entry in list_providers({}):
        module_name, _, attribute = entry.value.partition(":")
        obj: Any = sys.modules.get(module_name.strip())
        for part in attribute.strip().split("."):
            obj = getattr(obj, part, None) if part else obj
        if obj is cls:
            return entry
    return None


def load_provider_class(name: str, env: Mapping[str, str] | None = None) -> type:
    """Import the provider class named by an entry point or ``module:attribute``."""
    entry = find_entry(name, env)
    module_name, _, attribute = entry.value.partition(":")
    try:
        obj: Any = importlib.import_module(module_name.strip())
        for part in attribute.strip().split("."):
            if part:
                obj = getattr(obj, part)
    except Exception as exc:
        raise PluginLoadError(
            f"cannot load {entry.describe()}: {type(exc).__name__}: {exc}",
            details={"entry_point": entry.name, "distribution": entry.distribution},
        ) from exc
    if not inspect.isclass(obj):
        raise PluginLoadError(
            f"{entry.describe()} is {_a(type(obj).__name__)}, not a provider class (a class "
            "whose methods implement framecast's hooks)",
            details={"entry_point": entry.name, "distribution": entry.distribution},
        )
    if entry.distribution is None:
        entry = entry_of_class(obj) or entry  # an installed provider named by another path
    setattr(obj, "__framecast_entry__", entry)  # noqa: B010 - lets Runner name its origin
    return obj  # type: ignore[no-any-return]


def make_plugin_manager(
    provider: object, entry: ProviderEntry, plugins: Iterable[object] = ()
) -> Any:
    """A pluggy manager with the provider and host plugins registered, checked at load:
    unknown hooks, sync async-hooks, and provider-only hooks in a host plugin are refused."""
    import pluggy

    from . import hookspecs

    pm = pluggy.PluginManager("framecast")
    pm.add_hookspecs(hookspecs)
    _register(pm, provider, entry.describe())
    _check_async_hooks(provider, entry.describe())
    missing = [name for name in hookspecs.REQUIRED_HOOKS if not _implements(provider, name)]
    if missing:
        # Otherwise the gap shows only at the first request, as a puzzling "returned None".
        raise PluginLoadError(
            f"{entry.describe()}: the provider implements no {', '.join(missing)} hook "
            f"(every provider needs {', '.join(hookspecs.REQUIRED_HOOKS)})",
            details={"entry_point": entry.name, "hooks": missing},
        )
    for plugin in plugins:
        where = f"host plugin {_plugin_name(plugin)}"
        taken = sorted(name for name in hookspecs.PROVIDER_ONLY_HOOKS if _implements(plugin, name))
        if taken:
            raise PluginLoadError(
                f"{where} implements {', '.join(taken)}, which only the provider "
                f"({entry.describe()}) may implement",
                details={"entry_point": entry.name, "hooks": taken},
            )
        _check_defaults(plugin, where)
        _check_sync_hooks(plugin, where)
        _register(pm, plugin, where)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        owner = _describe_owner(exc.plugin, provider, entry)
        raise PluginLoadError(
            f"{owner}: {_without_reprs(str(exc), owner)}",
            details={"entry_point": entry.name, "distribution": entry.distribution},
        ) from exc
    return pm


def _register(pm: Any, plugin: object, where: str) -> None:
    import pluggy

    try:
        pm.register(plugin)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginLoadError(f"{where}: {_without_reprs(str(exc), where)}") from exc


def _implements(plugin: object, name: str) -> bool:
    method = getattr(plugin, name, None)
    if method is None:
        return False
    opts = getattr(method, "framecast_impl", None)
    return opts is not None


def _check_defaults(plugin: object, where: str) -> None:
    """pluggy never passes an argument whose parameter has a default: refuse such a hook
    (``cancel(..., delete=False)`` would silently never see ``delete=True``)."""
    from . import hookspecs

    for name in dir(hookspecs):
        spec = getattr(hookspecs, name)
        if not callable(spec) or not hasattr(spec, "framecast_spec"):
            continue
        if not _implements(plugin, name):
            continue
        spec_args = set(inspect.signature(spec).parameters)
        for param in inspect.signature(getattr(plugin, name)).parameters.values():
            if param.name in spec_args and param.default is not inspect.Parameter.empty:
                raise PluginLoadError(
                    f"{where}: hook {name!r} gives parameter {param.name!r} a default; pluggy "
                    "never passes such a parameter, so remove the default",
                    details={"hook": name, "parameter": param.name},
                )


def _check_async_hooks(provider: object, where: str) -> None:
    from .hookspecs import ASYNC_HOOKS

    _check_defaults(provider, where)
    _check_sync_hooks(provider, where)
    for name in sorted(ASYNC_HOOKS):
        method = getattr(provider, name, None)
        if method is None or not _implements(provider, name):
            continue
        if not inspect.iscoroutinefunction(method):
            raise PluginLoadError(
                f"{where}: hook {name!r} must be 'async def' (it is a plain function)",
                details={"hook": name},
            )


def _check_sync_hooks(plugin: object, where: str) -> None:
    """A sync hook written as ``async def`` would hand the runner a coroutine it never
    awaits: refuse it at load, not as a "never awaited" warning at the first request."""
    from . import hookspecs

    for name in dir(hookspecs):
        spec = getattr(hookspecs, name)
        if not callable(spec) or not hasattr(spec, "framecast_spec"):
            continue
        if name in hookspecs.ASYNC_HOOKS or name in hookspecs.OBSERVER_HOOKS:
            continue  # observers may be either
        if _implements(plugin, name) and inspect.iscoroutinefunction(getattr(plugin, name)):
            raise PluginLoadError(
                f"{where}: hook {name!r} must be a plain 'def' (it is 'async def'); only "
                f"{', '.join(sorted(hookspecs.ASYNC_HOOKS))} are async",
                details={"hook": name},
            )


#: pluggy names a plugin by its repr, ``<pkg.Class object at 0x7f...>``.
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def _without_reprs(message: str, where: str) -> str:
    return _OBJECT_REPR.sub(where, message)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _plugin_name(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def _describe_owner(plugin: object, provider: object, entry: ProviderEntry) -> str:
    if plugin is provider:
        return entry.describe()
    return f"host plugin {_plugin_name(plugin)}"


#: What implementing an optional hook declares about the provider.
CAPABILITY_HOOKS = {"supports_cancel": "cancel", "supports_dedupe": "find_submitted"}


def completed_info(info: Any, provider: object, where: str) -> Any:
    """``provider_info()``'s answer, checked and completed: its contract version is one
    this core knows, and ``supports_cancel`` / ``supports_dedupe`` say which of ``cancel``
    and ``find_submitted`` the provider implements (a declaration that contradicts the
    hooks is refused: a provider could otherwise claim a cancel it does not have)."""
    from ._models import ProviderInfo
    from .hookspecs import HOOKSPEC_VERSION, SUPPORTED_CONTRACT_VERSIONS

    if not isinstance(info, ProviderInfo):
        raise PluginLoadError(
            f"{where}: provider_info() must return a ProviderInfo, not {type(info).__name__}"
        )
    if info.contract_version not in SUPPORTED_CONTRACT_VERSIONS:
        known = ", ".join(str(v) for v in sorted(SUPPORTED_CONTRACT_VERSIONS))
        raise PluginLoadError(
            f"{where} was written for framecast contract version {info.contract_version!r}; "
            f"this framecast (contract {HOOKSPEC_VERSION}) drives versions {known}. Install "
            "a framecast the plugin supports, or a plugin release for this framecast",
            details={"contract_version": info.contract_version},
        )
    if info.name in RESERVED_PROVIDER_NAMES:
        raise reserved_name_error(info.name, where)
    derived: dict[str, Any] = {}
    for field, hook in CAPABILITY_HOOKS.items():
        implemented = _implements(provider, hook)
        declared = getattr(info, field)
        if declared is not None and declared != implemented:
            state = "implements" if implemented else "does not implement"
            raise PluginLoadError(
                f"{where} declares {field}={declared} but {state} the {hook!r} hook; "
                f"leave {field} unset: the core derives it from the hook",
                details={"field": field, "hook": hook},
            )
        derived[field] = implemented
    return attrs.evolve(info, **derived)


def check_provider(name: str, env: Mapping[str, str] | None = None) -> ProviderCheck:
    """Import and instantiate one provider without credentials; report its info or error."""
    from ._models import ProviderSettings

    try:
        entry = find_entry(name, env)
    except ConfigurationError as exc:
        return ProviderCheck(entry=ProviderEntry(name=name, value="?"), error=exc.message)
    try:
        cls = load_provider_class(name, env)
        provider = cls(ProviderSettings(name=entry.name, env={}))
        pm = make_plugin_manager(provider, entry)
        info = completed_info(pm.hook.provider_info(), provider, entry.describe())
    except Exception as exc:  # noqa: BLE001 - a broken provider is reported, not fatal
        message = (
            exc.message if isinstance(exc, ConfigurationError) else f"{type(exc).__name__}: {exc}"
        )
        return ProviderCheck(entry=entry, error=message)
    return ProviderCheck(entry=entry, info=info)
