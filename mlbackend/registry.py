"""One registry of plugins, fed by the settings list and the `mestudio.plugins` entry points.

Plugin modules are imported at start so a misconfiguration fails loudly then, with a
message that says what to fix, instead of in the middle of a job. The modules themselves
must import torch/cv2 lazily: loading the registry must stay cheap for web processes.
"""

import importlib
import importlib.util
from importlib.metadata import entry_points

from mlbackend.contract import CAPABILITIES, INPUT_KINDS, Plugin, PluginError

ENTRY_POINT_GROUP = "mestudio.plugins"
_REGISTRY: dict[str, type[Plugin]] = {}


def register(cls: type[Plugin]) -> type[Plugin]:
    """Class decorator: validate the declaration and add the plugin under its name."""
    if not isinstance(cls, type) or not issubclass(cls, Plugin):
        raise PluginError(f"{cls!r} is not a subclass of mlbackend.contract.Plugin.")
    for attribute in ("name", "version", "capabilities"):
        if not getattr(cls, attribute, None):
            raise PluginError(f"Plugin {cls.__qualname__} does not declare `{attribute}`.")
    unknown = set(cls.capabilities) - CAPABILITIES
    if unknown:
        raise PluginError(f"Plugin {cls.name!r} declares unknown capabilities {sorted(unknown)}; "
                          f"choose from {sorted(CAPABILITIES)}.")
    if not cls.inputs or set(cls.inputs) - INPUT_KINDS:
        raise PluginError(f"Plugin {cls.name!r} declares inputs {sorted(cls.inputs)}; choose from {sorted(INPUT_KINDS)}.")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise PluginError(f"Two plugins are named {cls.name!r}: {existing.__module__}.{existing.__qualname__} "
                          f"and {cls.__module__}.{cls.__qualname__}.")
    _REGISTRY[cls.name] = cls
    return cls


def _check_requirements(cls: type[Plugin]) -> None:
    missing = [module for module in cls.requires if importlib.util.find_spec(module) is None]
    if missing:
        raise PluginError(f"Plugin {cls.name!r} needs {', '.join(missing)}, which is not installed.")


def _import(module_name: str, origin: str) -> object:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"{origin}: plugin module {module_name!r} cannot be imported ({exc}).") from exc


def load_plugins(modules: list[str]) -> dict[str, type[Plugin]]:
    """Import the configured modules and the entry points; their @register calls fill the registry."""
    for module_name in modules:
        _import(module_name, "MESTUDIO_PLUGINS")
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
        except ImportError as exc:
            raise PluginError(f"Entry point {entry_point.name!r} ({entry_point.value}) cannot be loaded ({exc}).") \
                from exc
        if isinstance(loaded, type):
            register(loaded)
    for cls in _REGISTRY.values():
        _check_requirements(cls)
    return dict(_REGISTRY)


def plugin_names() -> list[str]:
    return sorted(_REGISTRY)


def get_plugin_class(name: str) -> type[Plugin]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise PluginError(f"No plugin named {name!r}; available: {', '.join(plugin_names()) or 'none'}.") from None


def unregister(name: str) -> None:
    """For tests that register throwaway plugins."""
    _REGISTRY.pop(name, None)
