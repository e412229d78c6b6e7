import sys
import textwrap

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from mlbackend import registry
from mlbackend.contract import Plugin, PluginError


class Incomplete(Plugin):
    name = "incomplete"
    version = "1"
    capabilities = frozenset({"emotion"})

    def fit(self, train, **kwargs):
        raise NotImplementedError

    def load(self, checkpoint, **kwargs):
        raise NotImplementedError

    def predict(self, clips):
        return []


@pytest.fixture
def clean_registry():
    before = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(before)


def test_only_plugin_subclasses_register(clean_registry):
    with pytest.raises(PluginError, match="not a subclass"):
        registry.register(object)


def test_two_plugins_may_not_share_a_name(clean_registry):
    registry.register(Incomplete)
    twin = type("Twin", (Incomplete,), {})
    with pytest.raises(PluginError, match="Two plugins are named 'incomplete'"):
        registry.register(twin)


def test_unknown_capabilities_are_refused(clean_registry):
    odd = type("Odd", (Incomplete,), {"name": "odd", "capabilities": frozenset({"telepathy"})})
    with pytest.raises(PluginError, match="unknown capabilities"):
        registry.register(odd)


def test_a_missing_dependency_is_named_at_start(clean_registry):
    needy = type("Needy", (Incomplete,), {"name": "needy", "requires": ("no_such_module_xyz",)})
    registry.register(needy)
    with pytest.raises(PluginError, match="needs no_such_module_xyz"):
        registry.load_plugins([])


def test_the_app_refuses_to_start_with_a_bad_plugin_module(settings, clean_registry):
    settings.MESTUDIO_PLUGINS = ["plugins.does_not_exist"]
    with pytest.raises(ImproperlyConfigured, match="plugins.does_not_exist"):
        apps.get_app_config("mlbackend").ready()


def test_plugins_also_come_from_the_entry_point_group(tmp_path, monkeypatch, clean_registry):
    (tmp_path / "extra_plugin.py").write_text(textwrap.dedent('''
        from tests.mlbackend.test_registry import Incomplete

        class FromEntryPoint(Incomplete):
            name = "from_entry_point"
    '''))
    dist = tmp_path / "extra_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: extra-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mestudio.plugins]\nextra = extra_plugin:FromEntryPoint\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    loaded = registry.load_plugins([])

    assert "from_entry_point" in loaded
    sys.modules.pop("extra_plugin", None)


def test_the_configured_plugins_are_registered():
    assert {"flow_svm", "motion_spotter", "dummy"} <= set(registry.plugin_names())


def test_unknown_inputs_are_refused(clean_registry):
    odd = type("OddInputs", (Incomplete,), {"name": "odd_inputs", "inputs": frozenset({"smell"})})
    with pytest.raises(PluginError, match="declares inputs"):
        registry.register(odd)
