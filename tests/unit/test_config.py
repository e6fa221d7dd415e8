import pytest

from synthpriv.config import STARTER, Gates, RunConfig, load_config
from synthpriv.errors import ConfigError


def test_starter_file_loads_to_the_defaults(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text(STARTER)
    assert load_config(path) == RunConfig()


def test_values_are_read(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text(
        '[run]\nseed = 7\nrows = 50\n[scan]\nnlp_model = "none"\n[gates]\ndcr_share_max = 0.7\n'
    )
    config = load_config(path)
    assert (config.seed, config.rows, config.nlp_model, config.gates.dcr_share_max) == (
        7,
        50,
        "none",
        0.7,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[run]\nseeed = 1\n", "invalid at run: unknown key(s): seeed"),
        ("[gates]\ndcr_share_max = 2\n", "invalid at gates/dcr_share_max: must be at most 1"),
        ("[run]\nholdout_share = 0\n", "invalid at run/holdout_share: must be greater than 0"),
        ('[run]\nengine = "magic"\n', "invalid at run/engine: must be one of cart, gaussian_c"),
        ("[run\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "job.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.toml")


def test_flags_override_file_values():
    config = RunConfig(seed=3).override(seed=None, rows=10, dcr_share_max=0.8, fidelity_min=None)
    assert (config.seed, config.rows) == (3, 10)
    assert config.gates == Gates(dcr_share_max=0.8)


def _settings_by_section() -> dict[str, set[str]]:
    from dataclasses import fields

    from synthpriv.config import SECTIONS, Budgets

    found: dict[str, set[str]] = {section: set() for section in SECTIONS}
    for item in fields(RunConfig):
        if item.metadata.get("section"):
            found[item.metadata["section"]].add(item.metadata["key"] or item.name)
    found["gates"] = {f.name for f in fields(Gates)}
    found["budgets"] = {f.name for f in fields(Budgets)}
    return found


def test_every_setting_is_in_the_schema_and_every_schema_key_is_a_setting():
    import json
    from pathlib import Path

    schema = json.loads(Path("schemas/config.schema.json").read_text())
    in_schema = {name: set(part["properties"]) for name, part in schema["properties"].items()}
    assert in_schema == _settings_by_section()


def test_starter_file_names_every_setting():
    for section, keys in _settings_by_section().items():
        assert f"[{section}]" in STARTER
        for key in keys:
            # tables (params, constraints) are shown as commented TOML headers
            assert f"{key} =" in STARTER or f"[{section}.{key}]" in STARTER, key


def test_budgets_are_read_and_validated(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text("[budgets]\nfidelity_rows = 1000\nchart_columns = 5\n")
    config = load_config(path)
    assert (config.budgets.fidelity_rows, config.budgets.chart_columns) == (1000, 5)
    path.write_text("[budgets]\nfidelity_rows = 0\n")
    with pytest.raises(ConfigError, match="budgets/fidelity_rows"):
        load_config(path)
