from synthpriv.errors import (
    ConfigError,
    EnvironmentMissingError,
    InputError,
    ModelError,
    OutputError,
    ResidualPIIError,
)
from synthpriv.status import ExitStatus
from tests.conftest import ROOT

EXPECTED = {
    "SUCCESS": 0,
    "INTERNAL_ERROR": 1,
    "USAGE_ERROR": 2,
    "INPUT_ERROR": 3,
    "CONFIG_ERROR": 4,
    "RESIDUAL_PII": 5,
    "PRIVACY_GATE_FAILED": 6,
    "FIDELITY_GATE_FAILED": 7,
    "MODEL_ERROR": 8,
    "INCOMPLETE": 9,
    "ENVIRONMENT_ERROR": 10,
    "INTERRUPTED": 130,
}


def test_exit_codes_never_change():
    assert {s.name: int(s) for s in ExitStatus} == EXPECTED


def test_every_exit_code_is_documented():
    text = (ROOT / "docs" / "exit-codes.md").read_text()
    for status in ExitStatus:
        assert f"| {int(status)} | `{status.name}`" in text


def test_errors_carry_their_exit_status():
    assert InputError("x").exit_status == ExitStatus.INPUT_ERROR
    assert ConfigError("x").exit_status == ExitStatus.CONFIG_ERROR
    assert ResidualPIIError("x").exit_status == ExitStatus.RESIDUAL_PII
    assert ModelError("x").exit_status == ExitStatus.MODEL_ERROR
    assert OutputError("x").exit_status == ExitStatus.USAGE_ERROR
    assert EnvironmentMissingError("x").exit_status == ExitStatus.ENVIRONMENT_ERROR


def test_the_help_lists_every_exit_code_from_the_enum():
    import re

    from click.testing import CliRunner

    from synthpriv.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["--help"]).stdout.split())
    listed = re.search(r"Exit codes: (.*?)\. --json", text).group(1)
    assert [int(code) for code in re.findall(r"(?:^|, )(\d+) ", listed)] == [
        int(s) for s in ExitStatus
    ]
