import json

import pytest

from synthpriv.errors import ConfigError
from synthpriv.policy import BUILTIN, load_policy, pseudonym_key
from synthpriv.schema import POOLED_LABEL, ColumnInfo, Entity, Kind, Role


def column(role, *entities, kind=Kind.CATEGORICAL, action=None):
    return ColumnInfo("c", "String", kind, role, [Entity(e, 0.9) for e in entities], action=action)


@pytest.mark.parametrize(
    ("policy", "col", "expected"),
    [
        ("strict", column(Role.DIRECT_IDENTIFIER, "US_SSN"), "drop"),
        ("strict", column(Role.FREE_TEXT_PII, "PERSON", kind=Kind.TEXT), "redact"),
        ("strict", column(Role.QUASI_IDENTIFIER, "SEX"), "keep"),
        ("strict", column(Role.SENSITIVE, "HEALTH", kind=Kind.NUMERICAL), "keep"),
        (
            "hipaa-safe-harbor",
            column(Role.QUASI_IDENTIFIER, "DATE_TIME", kind=Kind.DATETIME),
            "generalize",
        ),
        ("hipaa-safe-harbor", column(Role.QUASI_IDENTIFIER, "LOCATION"), "drop"),
        ("hipaa-safe-harbor", column(Role.DIRECT_IDENTIFIER, "UNIQUE_ID", kind=Kind.ID), "drop"),
        ("pseudonymize", column(Role.DIRECT_IDENTIFIER, "PERSON", kind=Kind.ID), "hash"),
        ("pseudonymize", column(Role.QUASI_IDENTIFIER, "ZIP_CODE"), "keep"),
        ("strict", column(Role.DIRECT_IDENTIFIER, "US_SSN", action="mask"), "mask"),
    ],
)
def test_rules(policy, col, expected):
    assert load_policy(policy).choose(col)[0] == expected


def test_hipaa_zip_rule_carries_the_restricted_list():
    operator, params = load_policy("hipaa-safe-harbor").choose(
        column(Role.QUASI_IDENTIFIER, "ZIP_CODE")
    )
    assert (operator, params) == ("generalize", {"zip_digits": 3, "restricted_zip3": True})


def test_builtins_validate_and_are_hashed():
    hashes = {load_policy(name).sha256 for name in BUILTIN}
    assert len(hashes) == len(BUILTIN)
    assert load_policy("pseudonymize").needs_key() and not load_policy("strict").needs_key()


def test_user_policy_file(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(
        json.dumps(
            {
                "name": "mine",
                "rules": [
                    {"match": {"columns": ["c"]}, "operator": "mask", "params": {"keep": 2}},
                    {"match": {}, "operator": "keep"},
                ],
            }
        )
    )
    policy = load_policy(path)
    assert policy.choose(column(Role.NONE)) == ("mask", {"keep": 2})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"name": "x", "rules": [{"match": {}, "operator": "shred"}]},
            "invalid at rules/0/operator: must be one of",
        ),
        (
            {"name": "x", "rules": [{"match": {"colour": []}, "operator": "keep"}]},
            "invalid at rules/0/match: unknown key(s): colour",
        ),
        ({"name": "x", "rules": []}, "invalid at rules"),
    ],
)
def test_invalid_policy_names_file_and_place(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_unknown_policy_name():
    with pytest.raises(
        ConfigError,
        match="unknown policy 'gdpr': use one of strict, hipaa-safe-harbor, pseudonymize",
    ):
        load_policy("gdpr")


def test_pseudonym_key_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNTHPRIV_PSEUDONYM_KEY", raising=False)
    assert pseudonym_key() is None
    monkeypatch.setenv("SYNTHPRIV_PSEUDONYM_KEY", "from-the-environment")
    assert pseudonym_key() == b"from-the-environment"
    (tmp_path / "k").write_text("0123456789abcdef0123\n")
    with pytest.raises(ConfigError, match="readable or writable by group or others"):
        pseudonym_key(tmp_path / "k")  # written with the default umask: 0644
    (tmp_path / "k").chmod(0o600)
    assert pseudonym_key(tmp_path / "k") == b"0123456789abcdef0123"
    (tmp_path / "short").write_text("abc")
    (tmp_path / "short").chmod(0o600)
    with pytest.raises(ConfigError, match="key is too short"):
        pseudonym_key(tmp_path / "short")
    monkeypatch.setenv("SYNTHPRIV_PSEUDONYM_KEY", "abc")
    with pytest.raises(ConfigError, match=r"\$SYNTHPRIV_PSEUDONYM_KEY: key is too short"):
        pseudonym_key()


def test_strict_suppresses_rare_quasi_identifier_categories(analyzers):
    import polars as pl

    from synthpriv.clean import clean_table
    from synthpriv.schema import TableSchema

    frame = pl.DataFrame({"zip": ["10001"] * 12 + ["03601", "89301"], "job": ["a"] * 13 + ["b"]})
    schema = TableSchema(
        [column(Role.QUASI_IDENTIFIER, "ZIP_CODE"), column(Role.SENSITIVE, "FINANCIAL")]
    )
    schema.columns[0].name, schema.columns[1].name = "zip", "job"
    result = clean_table(frame, schema, analyzers)
    # 3 and 2 digits leave 2 of 14 cells (over 5%) in areas seen once: 1 digit, then pooled
    assert result.frame["zip"].to_list() == ["1"] * 12 + [POOLED_LABEL, POOLED_LABEL]
    assert result.frame["job"].to_list() == ["a"] * 13 + [
        "b"
    ]  # sensitive values are not suppressed
    assert "2 cells of categories seen fewer than 10 times" in result.audit[0].detail
