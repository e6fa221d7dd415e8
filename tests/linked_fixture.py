"""A random hospital of linked tables, and histories planted in a synthetic sample of it.

Shared by the tests of the linked run and of the person-level gates: the shapes of leak an
auditor would plant (a training person's whole history copied, moved, reordered, halved, given
to another person) are made here once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from synthpriv import linked
from synthpriv.relations import Relations, discover, find_orderings, split_by_root


def random_hospital(patients: int, seed: int) -> dict[str, pl.DataFrame]:
    """Patients with their own birth dates, 1-4 admissions, 1-6 diagnoses each, drawn at random."""
    rng = np.random.default_rng(seed)
    born = [date(1930, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 25_000, patients)]
    people = pl.DataFrame(
        {
            "SUBJECT_ID": np.arange(10_000, 10_000 + patients),
            "GENDER": rng.choice(["F", "M"], patients),
            "DOB": born,
        }
    )
    visits = rng.integers(1, 5, patients)
    subject = np.repeat(people.get_column("SUBJECT_ID").to_numpy(), visits)
    admit = [
        datetime(2100, 1, 1) + timedelta(hours=int(h))
        for h in rng.integers(0, 80_000, subject.size)
    ]
    admissions = pl.DataFrame(
        {
            "HADM_ID": np.arange(500_000, 500_000 + subject.size),
            "SUBJECT_ID": subject,
            "TYPE": rng.choice(["EMERGENCY", "ELECTIVE", "URGENT"], subject.size),
            "ADMITTIME": admit,
            "STAY_DAYS": rng.gamma(2.0, 3.0, subject.size).round(1),
        }
    )
    codes = rng.integers(1, 7, subject.size)
    diagnoses = pl.DataFrame(
        {
            "HADM_ID": np.repeat(admissions.get_column("HADM_ID").to_numpy(), codes),
            "SEQ_NUM": np.concatenate([np.arange(1, n + 1) for n in codes]),
            "ICD9_CODE": rng.choice([f"{400 + i}" for i in range(40)], int(codes.sum())),
        }
    )
    return {"PATIENTS": people, "ADMISSIONS": admissions, "DIAGNOSES_ICD": diagnoses}


@dataclass(frozen=True)
class Hospital:
    """A random hospital split by person, and a clean synthetic sample of its training side."""

    relations: Relations
    train: dict[str, pl.DataFrame]
    holdout: dict[str, pl.DataFrame]
    clean: dict[str, pl.DataFrame]


def fitted_hospital(patients: int, seed: int) -> Hospital:
    tables = random_hospital(patients, seed=seed)
    relations = discover(tables)
    parts = split_by_root(tables, relations, 0.2, 0)
    train = {t: p[0] for t, p in parts.items()}
    holdout = {t: p[1] for t, p in parts.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = linked.fit(train, relations, find_orderings(train, relations), seed=0)
        clean = linked.sample(model)
    return Hospital(relations, train, holdout, clean)


SHAPES = ("exact", "moved", "jitter", "halves", "new_root")


def planted(
    source: dict[str, pl.DataFrame],
    into: dict[str, pl.DataFrame],
    share: float,
    shape: str,
    seed: int = 0,
) -> dict[str, pl.DataFrame]:
    """``into`` with the histories of ``share`` of ``source``'s people added, keys renewed.

    Shapes: ``exact`` (as they are); ``moved`` (every date a day later, every stay 0.1 day
    longer, each stay's first code changed); ``jitter`` (each date moved by its own -3..+3
    days, stays 5% longer, each stay's codes reordered); ``halves`` (every other stay, with its
    codes); ``new_root`` (the stays of a real person given to another sex and birth decade).
    """
    rng = np.random.default_rng(seed)
    people = source["PATIENTS"].get_column("SUBJECT_ID")
    people = people.head(int(people.len() * share)).implode()
    stays = source["ADMISSIONS"].filter(pl.col("SUBJECT_ID").is_in(people))
    rows = {
        "PATIENTS": source["PATIENTS"].filter(pl.col("SUBJECT_ID").is_in(people)),
        "ADMISSIONS": stays,
        "DIAGNOSES_ICD": source["DIAGNOSES_ICD"].filter(
            pl.col("HADM_ID").is_in(stays.get_column("HADM_ID").implode())
        ),
    }
    if shape == "moved":
        rows["PATIENTS"] = rows["PATIENTS"].with_columns(pl.col("DOB") + pl.duration(days=1))
        rows["ADMISSIONS"] = rows["ADMISSIONS"].with_columns(
            pl.col("ADMITTIME") + pl.duration(days=1), pl.col("STAY_DAYS") + 0.1
        )
        rows["DIAGNOSES_ICD"] = rows["DIAGNOSES_ICD"].with_columns(
            pl.when(pl.col("SEQ_NUM") == 1)
            .then(pl.lit("499"))
            .otherwise(pl.col("ICD9_CODE"))
            .alias("ICD9_CODE")
        )
    elif shape == "jitter":

        def days(n: int) -> pl.Series:
            return pl.Series(rng.integers(-3, 4, n))

        rows["PATIENTS"] = rows["PATIENTS"].with_columns(
            pl.col("DOB") + pl.duration(days=days(rows["PATIENTS"].height))
        )
        rows["ADMISSIONS"] = rows["ADMISSIONS"].with_columns(
            pl.col("ADMITTIME") + pl.duration(days=days(rows["ADMISSIONS"].height)),
            pl.col("STAY_DAYS") * 1.05,
        )
        rows["DIAGNOSES_ICD"] = rows["DIAGNOSES_ICD"].with_columns(
            pl.col("ICD9_CODE").shuffle(seed=seed).over("HADM_ID")
        )
    elif shape == "halves":
        kept = rows["ADMISSIONS"].filter(pl.int_range(pl.len()).over("SUBJECT_ID") % 2 == 0)
        rows["ADMISSIONS"] = kept
        rows["DIAGNOSES_ICD"] = rows["DIAGNOSES_ICD"].filter(
            pl.col("HADM_ID").is_in(kept.get_column("HADM_ID").implode())
        )
    elif shape == "new_root":
        rows["PATIENTS"] = rows["PATIENTS"].with_columns(
            pl.col("GENDER").replace({"F": "M", "M": "F"}), pl.col("DOB") + pl.duration(days=3650)
        )
    elif shape != "exact":
        raise ValueError(shape)
    out = {}
    for table, part in rows.items():
        # fresh keys, as a synthesizer would write them: the history itself is the copy
        renewed = part.with_columns(
            [pl.col(c) + 10_000_000 for c in ("SUBJECT_ID", "HADM_ID") if c in part.columns]
        )
        out[table] = pl.concat([into[table], renewed.select(into[table].columns)])
    return out
