"""Near copies of whole histories (synthpriv.metrics.histories), attacks first.

The leaks are planted the way an auditor would (tests/linked_fixture.py): a training person's
history copied with its dates moved, its codes reordered or changed, half of it, or given to
another person. Each must fail the person-level near-copy gate at 5% of the people; the same
shapes made from people the model never saw must not.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from synthpriv import relations as relations_module
from synthpriv.config import RunConfig
from synthpriv.io import held
from synthpriv.linked_run import person_report
from synthpriv.metrics import histories as histories_module
from synthpriv.metrics.histories import (
    HISTORY_SHARE,
    histories,
    history_copies,
)
from synthpriv.relations import discover, parent_positions
from synthpriv.report import exit_status_for
from synthpriv.status import ExitStatus
from tests.linked_fixture import fitted_hospital, planted

CONFIG = RunConfig(nlp_model="none")


@pytest.fixture(scope="module")
def hospital():
    # 1,200 people: at 600, every other stay of 5% of the people (a history at or above 60%
    # for those with 1 or 3 stays: about 3% copies) sits at the edge of the gate's interval
    # (bench/linked_leak_shapes.py reports 600 and 2,500)
    return fitted_hospital(1200, seed=5)


@pytest.mark.parametrize("shape", ["moved", "jitter", "halves", "new_root"])
def test_near_copied_histories_of_5_percent_fail_the_near_copy_gate(hospital, shape):
    leaky = planted(hospital.train, hospital.clean, 0.05, shape)
    report = person_report(hospital.train, hospital.holdout, leaky, hospital.relations, CONFIG)
    assert report.gate("near_copies").status.value == "FAIL", report.gate("near_copies").message
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED


def test_the_clean_sample_and_histories_of_unseen_people_pass_the_near_copy_gate(hospital):
    clean = person_report(
        hospital.train, hospital.holdout, hospital.clean, hospital.relations, CONFIG
    )
    assert clean.gate("near_copies").status.value == "PASS", clean.gate("near_copies").message
    # a quarter of the holdout's people, moved and reordered: real, but never trained on
    unseen = planted(hospital.holdout, hospital.clean, 0.25, "jitter")
    report = person_report(hospital.train, hospital.holdout, unseen, hospital.relations, CONFIG)
    assert report.gate("near_copies").status.value == "PASS", report.gate("near_copies").message
    figures = report.to_dict()["privacy"]["near_copies"]["histories"]
    # they near-copy holdout people: paired, they land on the holdout side
    assert figures["paired"]["share"] < 0.3
    # and they are real people all the same: the holdout's histories, copied, fail its gate
    held = report.gate("holdout_copies")
    assert held.status.value == "FAIL", held.message
    assert "synthetic people near-copy the history of one of the" in held.message
    assert figures["holdout"]["share"] > figures["holdout"]["baseline"] + 0.03
    assert clean.gate("holdout_copies").status.value == "PASS"


def _bank(accounts: int, first: int, seed: int) -> dict[str, pl.DataFrame]:
    """A bank's first months: each account opened by a deposit of a usual sum, then payments.

    Short histories of common rows, as in the Berka export: a quarter of the real accounts
    near-copy another's (most of three or four rows), so the 60% rule's baseline is high.
    """
    rng = np.random.default_rng(seed)
    ids = np.arange(first, first + accounts)
    payments = rng.geometric(0.2, accounts) - 1
    owner = np.concatenate([ids, np.repeat(ids, payments)])
    opening = np.arange(owner.size) < accounts
    return {
        "accounts": pl.DataFrame(
            {"account_id": ids, "frequency": rng.choice(["monthly", "weekly"], accounts)}
        ),
        "trans": pl.DataFrame(
            {
                "trans_id": np.arange(owner.size) + 10 * first,
                "account_id": owner,
                "type": np.where(
                    opening, "deposit", rng.choice(["credit", "debit", "cash"], owner.size)
                ),
                "amount": np.where(
                    opening,
                    rng.choice(np.arange(100, 4100, 100), owner.size),
                    np.round(rng.lognormal(7, 1, owner.size), 2),
                ),
                "day": np.where(opening, 0, rng.integers(1, 365, owner.size)),
            }
        ),
    }


def _copied_accounts(
    source: dict[str, pl.DataFrame], fresh: dict[str, pl.DataFrame], accounts: int
) -> dict[str, pl.DataFrame]:
    """``fresh`` with its first ``accounts`` replaced by ``source``'s, every number +1."""
    picked = np.random.default_rng(3).choice(
        source["accounts"]["account_id"], accounts, replace=False
    )
    copied = {
        t: f.filter(pl.col("account_id").is_in(picked)).with_columns(pl.col("account_id") + 10**9)
        for t, f in source.items()
    }
    copied["trans"] = copied["trans"].with_columns(
        pl.col("trans_id") + 10**9, pl.col("amount") + 1, pl.col("day") + 1
    )
    kept = fresh["accounts"]["account_id"][accounts:]
    return {
        t: pl.concat([f.filter(pl.col("account_id").is_in(kept)), copied[t]])
        for t, f in fresh.items()
    }


@pytest.fixture(scope="module")
def bank():
    train, holdout, fresh = (_bank(n, first, seed) for n, first, seed in BANK)
    return train, holdout, fresh, discover(train)


def test_nudged_copies_of_whole_accounts_fail_where_look_alikes_are_many(bank):
    """The Berka shape: 5% of the accounts copied, every number +1, among common histories."""
    train, holdout, fresh, relations = bank
    leaky = _copied_accounts(train, fresh, 100)
    for synthetic, status in ((fresh, "PASS"), (leaky, "FAIL")):
        report = person_report(train, holdout, synthetic, relations, CONFIG)
        gate = report.gate("near_copies")
        assert gate.status.value == status, gate.message
    figures = report.to_dict()["privacy"]["near_copies"]["histories"]
    # what hid them: real accounts near-copy another's more often than the copies show, and
    # paired at 60% the copies are a few among many look-alikes
    assert figures["copies"]["share"] < figures["copies"]["baseline"]
    assert figures["paired"]["share"] < 0.6
    assert figures["paired_close"]["share"] > 0.8
    assert "repeat at least 80% of someone's history" in gate.message
    assert gate.message.endswith(
        "The paired share of histories 80% alike, 4+ rows decides this check."
    ), gate.message


def test_nudged_copies_of_unseen_accounts_fail_the_holdout_gate_only(bank):
    train, holdout, fresh, relations = bank
    report = person_report(train, holdout, _copied_accounts(holdout, fresh, 100), relations, CONFIG)
    assert report.gate("near_copies").status.value == "PASS"
    gate = report.gate("holdout_copies")
    assert gate.status.value == "FAIL", gate.message
    assert "repeat a holdout person's" in gate.message
    held = report.to_dict()["privacy"]["near_copies"]["histories"]["holdout"]
    # the shares alone do not show them: look-alikes of the training people are as many
    assert held["share"] - held["baseline"] < 0.01
    # paired, the close copies land on the holdout side, beyond the interval's reach
    (close,) = [c for c in gate.to_dict()["criteria"] if c["name"].endswith("on the holdout")]
    assert close["value"] > 0.8 and close["interval"][0] > 0.6, close


BANK = ((2000, 1, 0), (500, 100_000, 1), (2000, 200_000, 2))  # training, holdout, fresh


def _ward(people: int, first: int, seed: int) -> dict[str, pl.DataFrame]:
    """Patients, 1-4 stays each, 1-6 diagnoses a stay: a code and a present-on-admission flag."""
    rng = np.random.default_rng(seed)
    ids = np.arange(first, first + people)
    stays = np.repeat(ids, rng.integers(1, 5, people))
    codes = rng.integers(1, 7, stays.size)
    stay_ids = np.arange(stays.size) + 10 * first
    popular = 1 / np.arange(1, 201) ** 1.1
    return {
        "patients": pl.DataFrame({"patient_id": ids, "sex": rng.choice(["F", "M"], people)}),
        "admissions": pl.DataFrame(
            {
                "admission_id": stay_ids,
                "patient_id": stays,
                "admit_time": [
                    datetime(2015, 1, 1) + timedelta(hours=int(h))
                    for h in rng.integers(0, 50_000, stays.size)
                ],
                "stay_days": rng.gamma(2.0, 3.0, stays.size).round(2),
            }
        ),
        "diagnoses": pl.DataFrame(
            {
                "diagnosis_id": np.arange(codes.sum()) + 100 * first,
                "admission_id": np.repeat(stay_ids, codes),
                "seq_num": np.concatenate([np.arange(1, n + 1) for n in codes]),
                "icd_code": rng.choice(
                    [f"{c:03d}" for c in range(200)], codes.sum(), p=popular / popular.sum()
                ),
                "present_on_admission": rng.choice(["Y", "N"], codes.sum(), p=[0.7, 0.3]),
            }
        ),
    }


def test_copied_histories_with_a_flag_flipped_on_every_row_fail():
    """The audit's shape: whole histories under a new patient, moved, every diagnosis's
    yes/no flag flipped. A diagnosis compares its code and its flag only: the flag flipped,
    no row matched and the copies passed."""
    train, holdout, fresh = (_ward(n, first, seed) for n, first, seed in WARD)
    relations = discover(train)
    picked = train["patients"]["patient_id"].head(45)  # 5% of the synthetic people
    stays = train["admissions"].filter(pl.col("patient_id").is_in(picked.implode()))
    moved = pl.Series(np.random.default_rng(1).integers(-400, 400, 45))
    copied = {
        "patients": fresh["patients"].head(45).with_columns(pl.Series("patient_id", picked)),
        "admissions": stays.join(
            pl.DataFrame({"patient_id": picked, "days": moved}), on="patient_id"
        )
        .with_columns(pl.col("admit_time") + pl.duration(days=pl.col("days")))
        .drop("days"),
        "diagnoses": train["diagnoses"]
        .filter(pl.col("admission_id").is_in(stays["admission_id"].implode()))
        .with_columns(pl.col("present_on_admission").replace({"Y": "N", "N": "Y"})),
    }
    renewed = {
        t: f.with_columns(
            [pl.col(c) + 10**9 for c in ("patient_id", "admission_id", "diagnosis_id") if c in f]
        )
        for t, f in copied.items()
    }
    kept = fresh["patients"]["patient_id"][45:].implode()
    leaky = {
        "patients": pl.concat(
            [fresh["patients"].filter(pl.col("patient_id").is_in(kept)), renewed["patients"]]
        ),
        "admissions": pl.concat(
            [fresh["admissions"].filter(pl.col("patient_id").is_in(kept)), renewed["admissions"]]
        ),
    }
    leaky["diagnoses"] = pl.concat(
        [
            fresh["diagnoses"].filter(
                pl.col("admission_id").is_in(leaky["admissions"]["admission_id"].implode())
            ),
            renewed["diagnoses"],
        ]
    )
    for synthetic, status in ((fresh, "PASS"), (leaky, "FAIL")):
        report = person_report(train, holdout, synthetic, relations, CONFIG)
        gate = report.gate("near_copies")
        assert gate.status.value == status, gate.message


WARD = ((900, 1, 4), (250, 100_000, 5), (900, 200_000, 6))  # training, holdout, fresh


def test_a_moved_and_reordered_copy_is_the_same_history(hospital):
    copies = planted(
        hospital.train, {t: f.clear() for t, f in hospital.clean.items()}, 0.1, "jitter"
    )
    figures = history_copies(hospital.train, hospital.holdout, copies, hospital.relations)
    # a number or time near its bin's edge can land in the next bin: most copies, not all
    assert figures["copies"]["share"] >= 0.8
    assert figures["copies"]["baseline"] < 0.1


def _look_alikes(n: int, first: int) -> dict[str, pl.DataFrame]:
    """People of 20 kinds: everyone of a kind has the same history, two visits long."""
    ids = list(range(first, first + n))
    kind = [i % 20 for i in range(n)]
    people = pl.DataFrame({"PID": ids, "SEX": ["F" if k % 2 else "M" for k in kind]})
    visits = pl.DataFrame(
        {
            "VID": [10 * p + v for p in ids for v in range(2)],
            "PID": [p for p in ids for _ in range(2)],
            "WARD": [f"W{k}-{v}" for k in kind for v in range(2)],
            "COST": [float(10 * k + v) for k in kind for v in range(2)],
            "DAY": [date(2020, 1, 1 + 3 * v) for _ in kind for v in range(2)],
        }
    )
    return {"people": people, "visits": visits}


def test_pairing_draws_ties_at_random_not_toward_the_training_people():
    """Each synthetic person has 25 real look-alikes (20 training): ties are drawn at random."""
    train, holdout, synthetic = (
        _look_alikes(n, first) for n, first in ((400, 1), (100, 10_000), (300, 50_000))
    )
    relations = discover(train)
    figures = history_copies(train, holdout, synthetic, relations)
    low, high = figures["paired"]["share_ci95"]
    assert figures["paired"]["rows_linked"] == 300
    assert low < 0.5 < high, figures["paired"]
    # natural look-alikes everywhere: synthetic people copy no more than real people do
    assert figures["copies"]["share"] == figures["copies"]["baseline"] == 1.0


def test_a_history_is_its_rows_not_their_order_or_keys():
    tables = {
        "people": pl.DataFrame({"PID": [1, 2], "SEX": ["F", "M"]}),
        "visits": pl.DataFrame(
            {
                "VID": [10, 11, 12],
                "PID": [1, 1, 2],
                "SEQ": [1, 2, 1],
                "WARD": ["A", "B", "A"],
                "AT": [datetime(2020, 1, 1), datetime(2020, 1, 3), datetime(2021, 6, 1)],
            }
        ),
    }
    compared, people = histories(tables, discover(tables))
    assert people.to_list() == ["1", "2"]
    # the key, the link and the 1..n numbering are left out; times count from the first
    assert compared["visits"].columns == ["__person", "WARD", "AT"]
    assert compared["visits"].get_column("AT").to_list() == [0.0, 2.0, 0.0]
    assert compared["people"].columns == ["__person", "SEX"]


def test_only_a_numbering_within_each_parent_is_a_counter():
    frame = pl.DataFrame(
        {
            "PID": [1, 1, 1, 2, 2],
            "SEQ": [2, 1, 3, 1, 2],
            "DOSE": [5, 5, 7, 1, 9],
            "ZERO_BASED": [0, 1, 2, 0, 1],
        }
    )
    assert parent_positions(frame, "PID", ["SEQ", "DOSE", "ZERO_BASED"]) == {
        "SEQ": 1,
        "ZERO_BASED": 0,
    }
    assert parent_positions(frame, None, ["SEQ"]) == {}


def test_the_rule_is_stated_with_its_threshold(hospital):
    figures = history_copies(hospital.train, hospital.holdout, hospital.clean, hospital.relations)
    assert f"{HISTORY_SHARE:.0%}" in figures["rule"]
    assert figures["copies"]["people"] == {
        "synthetic": hospital.clean["PATIENTS"].height,
        "train": hospital.train["PATIENTS"].height,
        "holdout": hospital.holdout["PATIENTS"].height,
    }


def test_a_numbering_on_one_side_only_does_not_break_the_comparison():
    """A column that numbers each parent's rows in the synthetic rows but not in the real."""

    def tables(numbers: list[int]) -> dict[str, pl.DataFrame]:
        return {
            "people": pl.DataFrame({"PID": [1, 2, 3], "SEX": ["F", "M", "F"]}),
            "visits": pl.DataFrame(
                {
                    "VID": [10, 11, 12, 13],
                    "PID": [1, 1, 2, 3],
                    "N": numbers,
                    "WARD": ["a", "b", "a", "c"],
                    "DAY": [date(2020, 1, 1)] * 4,
                }
            ),
        }

    real, synthetic = tables([2, 2, 5, 5]), tables([1, 2, 1, 1])
    figures = history_copies(real, real, synthetic, discover(real))
    assert figures["copies"]["share"] == 1.0  # the same people, N aside


def test_the_search_on_disk_partitions_finds_what_one_partition_finds(
    hospital, monkeypatch, tmp_path, tmp_path_factory
):
    """Keys spilled in many partitions, read a slice at a time, pairs found aggregated a
    partition of people at a time, each table's compared rows and first times made a few
    rows at a time onto a run's shelf: the same figures, and no file left.

    A leaky set, so that copies, pairings and holdout matches are all non-zero.
    """
    leaky = planted(hospital.train, hospital.clean, 0.05, "jitter")
    whole = history_copies(hospital.train, hospital.holdout, leaky, hospital.relations)
    assert whole["copies"]["share"] > 0.03
    monkeypatch.setattr(histories_module, "PART_KEYS", 997)
    monkeypatch.setattr(histories_module, "SLICE", 113)
    monkeypatch.setattr(histories_module, "PART_ROWS", 5000)
    monkeypatch.setattr(histories_module, "HISTORY_ROWS", 101)
    monkeypatch.setattr(relations_module, "FIRST_ROWS", 89)
    monkeypatch.setattr(histories_module.tempfile, "tempdir", str(tmp_path))
    seen = []
    spill = histories_module._spill
    monkeypatch.setattr(histories_module, "_spill", lambda *a: seen.append(a[4]) or spill(*a))
    with held.shelved(held.Shelf(tmp_path_factory.mktemp("run") / "shelf")):
        parts = history_copies(hospital.train, hospital.holdout, leaky, hospital.relations)
    assert seen[0] > 10
    assert parts == whole
    assert list(tmp_path.iterdir()) == []  # the spilled keys are removed


def test_closest_refuses_sides_partitioned_differently(hospital, tmp_path):
    compared, people = histories(hospital.train, hospital.relations)
    rules = histories_module._rules(compared)
    one = histories_module._spill(compared, rules, people, tmp_path / "one", 1)
    two = histories_module._spill(compared, rules, people, tmp_path / "two", 2)
    with pytest.raises(ValueError, match="partitioned alike"):
        histories_module.closest(one, two)


def test_a_column_the_holdout_lacks_is_not_compared():
    """Free text: redacted in the training rows, dropped (not redacted) in the holdout's."""

    def tables(note: bool) -> dict[str, pl.DataFrame]:
        visits = {
            "VID": [10, 11, 12, 13],
            "PID": [1, 1, 2, 3],
            "WARD": ["a", "b", "a", "c"],
            "DAY": [date(2020, 1, 1)] * 4,
        }
        if note:
            visits["NOTE"] = ["seen by <PERSON> on the ward for a follow up"] * 4
        return {
            "people": pl.DataFrame({"PID": [1, 2, 3], "SEX": ["F", "M", "F"]}),
            "visits": pl.DataFrame(visits),
        }

    train, holdout = tables(note=True), tables(note=False)
    # before: the two real sides could not be stacked, and the run stopped with an error
    figures = history_copies(train, holdout, holdout, discover(train))
    assert figures["copies"]["share"] == 1.0  # the same people: the note is not compared


def test_candidates_are_each_persons_most_shared_pairs_ties_drawn_by_the_pair():
    """Of each person's pairs, the CANDIDATES sharing the most rows; ties by the pair's hash.

    Checked against a plain per-person sort (the rank is taken within a person, not over the
    whole frame) on people with fewer, as many and more pairs than CANDIDATES.
    """
    rng = np.random.default_rng(3)
    rows = []
    for person, pairs in ((7, 2), (1, histories_module.CANDIDATES), (4, 30)):
        for ref in rng.choice(1000, pairs, replace=False):
            rows += [(person, int(ref), int(r)) for r in rng.choice(50, rng.integers(1, 4))]
    shared = pl.DataFrame(rows, schema=["person", "ref", "row"], orient="row")
    got = histories_module._candidates(shared.sample(fraction=1.0, shuffle=True, seed=1))
    counts = shared.group_by("person", "ref").agg(pl.col("row").n_unique().alias("n"))
    draw = counts.select(pl.struct("person", "ref").hash(13)).to_series().to_list()
    expected = []
    for person in sorted(set(counts.get_column("person"))):
        mine = [
            (-n, d, r) for (p, r, n), d in zip(counts.iter_rows(), draw, strict=True) if p == person
        ]
        expected += [(person, r) for _, _, r in sorted(mine)[: histories_module.CANDIDATES]]
    assert list(got.iter_rows()) == expected
    assert got.height == 2 + 2 * histories_module.CANDIDATES
