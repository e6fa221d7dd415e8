"""A leak planted in a real linked export (Berka), judged by ``run FOLDER``'s own report.

Usage:
    .venv/bin/python bench/linked_leak_berka.py FOLDER OUT {train|holdout} {nudge|exact}

FOLDER: the Berka / PKDD'99 export (``bench/corpus/linked/exports.md``). The run is the real
one; just before its report, the whole histories (account, dispositions, cards, loans,
orders, transactions) of as many real accounts as 5% of the synthetic accounts are added to
the synthetic tables, from the training or the holdout side, with fresh keys, and with every
number of the loans, orders and transactions nudged by one (``nudge``) or as they are. The
exit code and the failing gates are the report's (OUT/report.json).
"""

import os
import sys

os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
os.environ.setdefault("SYNTHPRIV_CHROMIUM", "")
import numpy as np
import polars as pl

from synthpriv import linked_run

SOURCE, NUDGE = sys.argv[3], sys.argv[4] == "nudge"
orig = linked_run.report_tables
OFF = 10**12


def plant(tables, clean, train, holdout, synthetic, *a, **k):
    src = train if SOURCE == "train" else holdout
    n = int(0.05 * synthetic["account"].height)
    rng = np.random.default_rng(0)
    ids = src["account"]["account_id"].sample(n, seed=0)
    picked = {"account": src["account"].filter(pl.col("account_id").is_in(ids.implode()))}
    for t in ("disp", "loan", "order", "trans"):
        picked[t] = src[t].filter(pl.col("account_id").is_in(ids.implode()))
    picked["card"] = src["card"].filter(
        pl.col("disp_id").is_in(picked["disp"]["disp_id"].implode())
    )
    out = dict(synthetic)
    for t, f in picked.items():
        f = f.with_columns(
            [
                pl.col(c) + OFF
                for c in ("account_id", "disp_id", "loan_id", "order_id", "trans_id", "card_id")
                if c in f.columns
            ]
        )
        # pointers to tables outside the copied histories: a synthetic client and district
        for c, target, key in (
            ("client_id", "client", "client_id"),
            ("district_id", "district", "A1"),
        ):
            if c in f.columns:
                keys = synthetic[target][key]
                f = f.with_columns(keys.gather(rng.integers(0, keys.len(), f.height)).alias(c))
        if NUDGE and t in ("trans", "order", "loan"):
            own = set(tables.keys[t])
            f = f.with_columns(
                [
                    pl.col(c) + 1
                    for c, d in f.schema.items()
                    if d.is_numeric() and c not in own and c not in ("duration",)
                ]
            )
        out[t] = pl.concat([synthetic[t], f.select(synthetic[t].columns).cast(synthetic[t].schema)])
    print("planted", {t: f.height for t, f in picked.items()}, file=sys.stderr)
    return orig(tables, clean, train, holdout, out, *a, **k)


linked_run.report_tables = plant
from synthpriv.cli import main  # noqa: E402

sys.argv = ["synthpriv", "--quiet", "run", sys.argv[1], "-o", sys.argv[2], "--no-pdf"]
main()
