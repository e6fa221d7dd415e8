"""Every command is documented: a generated page per command, current with its --help."""

import importlib.util

from synthpriv.cli import cli
from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "generate_commands", ROOT / "docs" / "generate_commands.py"
)
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def test_every_command_has_a_page():
    names = set(cli.commands) - {"config"} | {"config init"}
    assert names == set(generate.COMMANDS)


def test_pages_are_current():
    for path, text in generate.pages().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run docs/generate_commands.py"
        )
