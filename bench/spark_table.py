"""Generate a claims-like table of any size with names, SSNs and e-mails, as Parquet part files.

Not Faker (the detector's own name lists come from it): first and last names are drawn from
mimesis' lists, SSNs are distinct numbers of the valid ranges (an affine bijection of the row
number, so 20M distinct values need no 20M-entry set), e-mails are built from the names. Eleven
columns: person_name, ssn, email, birth_date, zip, sex, state, plan, visits, amount, approved.
Written in chunks, so 20M rows need no more memory than one chunk.

    .venv/bin/python bench/spark_table.py --rows 3000000 --out /tmp/big.parquet
"""

from __future__ import annotations

import argparse
import math
import shutil
from pathlib import Path

import numpy as np
import polars as pl

GROUPS, SERIALS = 99, 9999
AREAS = 898  # 001-899 without 666
SPACE = AREAS * GROUPS * SERIALS
STATES = ["CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "WA", "AZ"]
PLANS = ["bronze", "silver", "gold", "platinum", "medicaid", "medicare"]
DOMAINS = ["example.org", "mail.test", "inbox.example", "post.example.net"]


def _names(seed: int) -> tuple[list[str], list[str]]:
    from mimesis import Person
    from mimesis.locales import Locale

    person = Person(Locale.EN, seed=seed)
    first = sorted({person.first_name() for _ in range(6000)})
    last = sorted({person.last_name() for _ in range(9000)})
    return first, last


def _ssns(start: int, count: int, seed: int) -> pl.Series:
    step = 7_919_993  # coprime with SPACE: i -> (step * i + offset) mod SPACE is a bijection
    assert math.gcd(step, SPACE) == 1
    index = np.arange(start, start + count, dtype=np.int64)
    x = (step * index + seed * 104_729) % SPACE
    area = x // (GROUPS * SERIALS) + 1
    area = area + (area >= 666)
    group = (x // SERIALS) % GROUPS + 1
    serial = x % SERIALS + 1
    return pl.Series(
        [f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial, strict=True)]
    )


def chunk(start: int, count: int, seed: int, first: list[str], last: list[str]) -> pl.DataFrame:
    """Rows ``start`` .. ``start + count`` of the table (the same whatever the chunking)."""
    rng = np.random.default_rng([seed, start])
    f = np.asarray(first)[rng.integers(0, len(first), count)]
    s = np.asarray(last)[rng.integers(0, len(last), count)]
    age = np.clip(rng.gamma(4.0, 11.0, count), 18, 99).astype(int)
    birth = np.datetime64("2026-01-01") - (age * 365.25 + rng.integers(0, 365, count)).astype(
        "timedelta64[D]"
    )
    plan = rng.choice(len(PLANS), count, p=[0.2, 0.3, 0.2, 0.05, 0.15, 0.1])
    visits = rng.poisson(1 + age / 25 + plan / 3)
    amount = np.round(rng.lognormal(5 + 0.4 * np.log1p(visits), 0.8), 2)
    frame = pl.DataFrame(
        {
            "first": f,
            "last": s,
            "num": rng.integers(1, 999, count),
            "domain": np.asarray(DOMAINS)[rng.integers(0, len(DOMAINS), count)],
            "birth_date": birth.astype("datetime64[D]"),
            "zip": rng.integers(1000, 99950, count),
            "sex": np.where(rng.random(count) < 0.51, "F", "M"),
            "state": np.asarray(STATES)[rng.integers(0, len(STATES), count)],
            "plan": np.asarray(PLANS)[plan],
            "visits": visits,
            "amount": amount,
            "approved": rng.random(count) < 0.9 - 0.03 * np.minimum(visits, 10),
        }
    )
    return frame.select(
        (pl.col("first") + " " + pl.col("last")).alias("person_name"),
        _ssns(start, count, seed).alias("ssn"),
        (
            pl.col("first").str.to_lowercase()
            + "."
            + pl.col("last").str.to_lowercase().str.replace_all(r"[^a-z]", "")
            + pl.col("num").cast(pl.String)
            + "@"
            + pl.col("domain")
        ).alias("email"),
        "birth_date",
        pl.col("zip").cast(pl.String).str.zfill(5),
        "sex",
        "state",
        "plan",
        "visits",
        "amount",
        "approved",
    )


def generate(rows: int, out: Path, seed: int = 0, chunk_rows: int = 1_000_000) -> Path:
    """Write ``rows`` rows as a folder of Parquet part files (one per chunk)."""
    first, last = _names(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for number, start in enumerate(range(0, rows, chunk_rows)):
        part = chunk(start, min(chunk_rows, rows - start), seed, first, last)
        part.write_parquet(out / f"part-{number:05d}.parquet")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.rows, args.out, args.seed)
    print(f"{args.rows} rows in {args.out}")


if __name__ == "__main__":
    main()
