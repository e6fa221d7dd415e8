"""Real public tables from ../shared/data (skipped with a reason when that folder is absent)."""

import json

import pytest

from synthpriv.config import RunConfig
from synthpriv.io import read_table
from synthpriv.pii.detector import ColumnDetector, DetectorSettings
from synthpriv.pipeline import run
from synthpriv.report.gates import exit_status_for
from synthpriv.schema import Role
from tests.conftest import SHARED_DATA
from tests.helpers import assert_gates_consistent

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not SHARED_DATA.is_dir(),
        reason=f"{SHARED_DATA} not present (benchmark data lives outside the repo)",
    ),
]

# Public benchmark tables hold no direct identifier: any found is a false positive.
TABLES = [
    "adult.csv",
    "bank_marketing.csv",
    "german_credit.csv",
    "insurance.csv",
    "diabetes_pima.csv",
]


@pytest.mark.parametrize("name", TABLES)
def test_no_false_direct_identifiers(analyzers, name):
    frame = read_table(SHARED_DATA / name)
    schema = ColumnDetector(DetectorSettings(nlp_model="none"), analyzers=analyzers).detect(frame)
    assert [c.name for c in schema.by_role(Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII)] == []


def test_insurance_quasi_identifiers_and_run(tmp_path, analyzers):
    result = run(
        SHARED_DATA / "insurance.csv", tmp_path / "ins", RunConfig(seed=1, nlp_model="none")
    )
    schema = json.loads((tmp_path / "ins" / "schema.json").read_text())
    roles = {c["name"]: c["role"] for c in schema["columns"]}
    assert roles["age"] == roles["sex"] == roles["region"] == "quasi_identifier"
    assert roles["charges"] == roles["smoker"] == "sensitive"
    # Every privacy check is measured (a run holds real rows out). The insurance table's gates
    # sit near their thresholds for the default engine (replicated uniques 0.15-0.25 against
    # limits of 0.24-0.33 over seeds 0-4; see issue 15), so the verdict itself is not pinned.
    assert "SKIP" not in {g.status for g in result.report.gates}
    # each status follows from the figures it states
    assert_gates_consistent(result.report.to_dict())
    assert result.exit_status == exit_status_for(result.report)
    assert result.report.fidelity.score > 0.8
