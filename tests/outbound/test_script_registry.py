"""The script registry loads plugins from the ``ticketflow.scripts`` entry-point group, as installed ones."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketflow.domain.scripts import BUILTIN_SCRIPTS
from ticketflow.outbound.scripts import PluginError, load_scripts


def _install_plugin(root: Path, module: str, body: str, entry: str) -> None:
    """What ``pip install`` leaves behind for a package: its module and a dist-info with entry points."""
    (root / f"{module}.py").write_text(textwrap.dedent(body))
    dist_info = root / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[ticketflow.scripts]\n{entry}\n")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("acme_")]:
        del sys.modules[name]


PLUGIN = """
    from ticketflow.domain.effects import SetValue
    from ticketflow.domain.parameters import Parameter

    class EnrichOrder:
        name = "enrich_order"
        description = "Marks the order as enriched."
        parameters = (Parameter("Field", "the dynamic field to set", required=True),)

        def run(self, context):
            return (SetValue("DynamicField_" + context.parameters["Field"], "enriched"),)
"""


def test_a_plugin_script_is_registered_beside_the_built_ins(site: Path) -> None:
    _install_plugin(site, "acme_scripts", PLUGIN, "enrich_order = acme_scripts:EnrichOrder")
    scripts = load_scripts()
    assert set(BUILTIN_SCRIPTS) < set(scripts)
    assert scripts["enrich_order"].parameters[0].name == "Field"


def test_a_plugin_may_not_replace_a_built_in_script(site: Path) -> None:
    _install_plugin(site, "acme_evil", PLUGIN, "set_fields = acme_evil:EnrichOrder")
    with pytest.raises(PluginError, match="would replace a built-in script"):
        load_scripts()


def test_a_broken_plugin_names_itself(site: Path) -> None:
    _install_plugin(site, "acme_broken", "raise RuntimeError('boom')\n", "broken = acme_broken:Missing")
    with pytest.raises(PluginError, match=r"'broken' \(acme_broken:Missing\) failed to load: boom"):
        load_scripts()
