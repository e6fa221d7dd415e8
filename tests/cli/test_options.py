"""Every flag that sets a config field is made from the field: one default, one help, one range."""

from __future__ import annotations

import json
import re
from dataclasses import fields

import click
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.cli_options import ConfigOption, config_option
from synthpriv.config import Budgets, Gates, RunConfig, config_key_of, default_of, range_of
from tests.conftest import ROOT

SETTINGS = {f.name for cls in (RunConfig, Gates, Budgets) for f in fields(cls) if f.metadata}
# ε and δ are checked by the library, whose message names the flag (tests/cli/test_cli.py).
CHECKED_BY_THE_LIBRARY = {"epsilon", "delta"}


def _commands() -> dict[str, click.Command]:
    found = {}
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            found |= {f"{name} {sub}": c for sub, c in command.commands.items()}
        else:
            found[name] = command
    return found


def _flags_of_settings() -> list[tuple[str, click.Option]]:
    return [
        (name, param)
        for name, command in _commands().items()
        for param in command.params
        if isinstance(param, click.Option)
        and param.name in SETTINGS
        # -o of the step commands names the file that step writes; run's is the config's io.output
        and not (param.name == "output" and name != "run")
        # --param and --constraint add entries to the config's table and list of tables
        and not isinstance(default_of(param.name), dict | list)
    ]


FLAGS = _flags_of_settings()
IDS = [f"{name} {option.opts[-1]}" for name, option in FLAGS]


def _help_record(command: str, option: click.Option) -> str:
    ctx = click.Context(_commands()[command], info_name=command)
    record = option.get_help_record(ctx)
    assert record is not None
    return record[1]


def problems(option: click.Option, help_text: str) -> list[str]:
    """What is wrong with a flag that sets a setting: its default, its help, its range."""
    found = []
    name = option.name
    if not isinstance(option, ConfigOption):
        return [f"{name}: written by hand; make it with config_option({name!r})"]
    default = default_of(name)
    from_config = option.from_config
    stated = None if default is None or isinstance(default, bool | dict | list) else str(default)
    if from_config:
        if option.default is not None:
            found.append(f"{name}: a default of its own hides the config file's value")
        expected = f"[config {config_key_of(name)}" + (f"; {stated}]" if stated else "]")
        if expected not in help_text:
            found.append(f"{name}: help does not say {expected}")
    elif option.default is not None:
        if option.default != default:
            found.append(f"{name}: default {option.default!r}, the setting's is {default!r}")
        if stated is not None and f"[{stated}]" not in help_text:
            found.append(f"{name}: help does not state the default [{stated}]")
    described = getattr(option.type, "_describe_range", lambda: None)()
    for bracket in re.findall(r"\[([^\]]*)\]", help_text):
        # click joins the range and "required" into one bracket: "[x>=1; required]"
        for part in bracket.split("; "):
            if re.search(r"\d", part) and part not in {stated, described}:
                found.append(f"{name}: help states [{bracket}], not the setting's default")
    bounds = range_of(name)
    kind = option.type
    if name in CHECKED_BY_THE_LIBRARY:
        if isinstance(kind, click.types._NumberRangeBase):
            found.append(f"{name}: a click range besides the library's check")
    elif bounds is None:
        if isinstance(kind, click.types._NumberRangeBase):
            found.append(f"{name}: a click range, but the setting declares none")
    elif not isinstance(kind, click.types._NumberRangeBase) or (
        kind.min,
        kind.max,
        kind.min_open,
        kind.max_open,
    ) != (bounds.low, bounds.high, bounds.low_open, bounds.high_open):
        found.append(f"{name}: range {kind} differs from the setting's {bounds}")
    return found


def test_the_flags_of_settings_are_found():
    names = {(command, option.name) for command, option in FLAGS}
    assert {("split", "holdout_share"), ("run", "holdout_share"), ("scan", "scan_budget")} <= names
    assert {("fit", "fit_rows"), ("run", "fit_rows"), ("report", "fidelity_min")} <= names


@pytest.mark.parametrize(("command", "option"), FLAGS, ids=IDS)
def test_every_flag_of_a_setting_has_its_default_help_and_range(command, option):
    assert problems(option, _help_record(command, option)) == []


@pytest.mark.parametrize("command", sorted(_commands()))
def test_the_help_shown_by_the_command_is_that_help(command):
    result = CliRunner().invoke(cli, [*command.split(), "--help"], terminal_width=100)
    assert result.exit_code == 0
    shown = " ".join(result.output.split())
    for name, option in FLAGS:
        if name == command:
            assert " ".join(_help_record(command, option).split()) in shown, option.name


@pytest.mark.parametrize(
    ("option", "complaint"),
    [
        (
            click.Option(
                ["--holdout-share"],
                type=click.FloatRange(0, 0.5, min_open=True),
                help="Share of rows held out [0.2]",
            ),
            "holdout_share: written by hand; make it with config_option('holdout_share')",
        ),
        (
            config_option("holdout_share", help="Share held out [0.3]")(click.Command("x")).params[
                0
            ],
            "holdout_share: help states [0.3], not the setting's default",
        ),
        (
            config_option("holdout_share", type=click.FloatRange(0, 1))(click.Command("x")).params[
                0
            ],
            "holdout_share: range",
        ),
        (
            config_option("fit_rows", default=100_000, help="Fit rows [100000]")(
                click.Command("x")
            ).params[0],
            "fit_rows: default 100000, the setting's is 500000",
        ),
        (
            config_option("seed", from_config=True, default=0, help="Seed")(
                click.Command("x")
            ).params[0],
            "seed: a default of its own hides the config file's value",
        ),
    ],
)
def test_a_hand_written_number_is_caught(option, complaint):
    ctx = click.Context(click.Command("x"))
    found = problems(option, option.get_help_record(ctx)[1])
    assert any(p.startswith(complaint) for p in found), found


def _schema_of(name: str) -> dict:
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    section, key = config_key_of(name).split(".")
    return schema["properties"][section]["properties"][key]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_config_schema_declares_the_same_range(name):
    bounds, declared = range_of(name), _schema_of(name)
    low = declared.get("minimum", declared.get("exclusiveMinimum"))
    high = declared.get("maximum", declared.get("exclusiveMaximum"))
    if bounds is None:
        assert (low, high) == (None, None)
        return
    assert (low, high) == (bounds.low, bounds.high)
    assert ("exclusiveMinimum" in declared, "exclusiveMaximum" in declared) == (
        bounds.low_open,
        bounds.high_open,
    )
    if bounds.low is not None:
        assert bounds.contains(bounds.low) != bounds.low_open


@pytest.mark.parametrize("command", ["split", "run"])
def test_the_holdout_share_has_one_range_everywhere(command):
    result = CliRunner().invoke(cli, [command, "in.csv", "-o", "o", "--holdout-share", "0.6"])
    assert result.exit_code == 2
    assert "0.6 is not in the range 0<x<=0.5" in result.output
