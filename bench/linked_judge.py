"""One judge for linked (multi-table) synthetic data, free of synthpriv internals.

Every function takes plain ``dict[str, pandas.DataFrame]`` tables and the SDV ``Metadata``
(or its dict) that states the primary and foreign keys, so the baselines of
``linked_baselines.py`` and synthpriv's own linked synthesizer are scored by the same code:

* ``quality(real, synthetic, metadata)``: SDMetrics' multi-table ``QualityReport`` (overall
  score and its four properties).
* ``fk_resolution(synthetic, metadata)``: the share of non-null synthetic foreign keys that
  name a synthetic parent, per relationship and overall.
* ``date_orderings(tables, orderings, metadata)``: the share of rows where each stated
  ordering (``before <= after``, in one table or across a foreign key) holds.
* ``history_auc(real, synthetic, metadata, root)``: each root entity flattened into one row
  (its columns, its number of rows in every descendant table, the means of their numeric
  and datetime columns); a gradient-boosted classifier tells real roots from synthetic ones,
  5-fold, seeded; 0.5 means they cannot be told apart.

Only figures come out; no value of any table is returned.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Ordering:
    """``before <= after`` on the rows of ``table``.

    ``before`` and ``after`` name columns of ``table``; with ``parent``, a name written
    ``parent.COLUMN`` is the parent row's column, joined through the child's foreign key
    (``foreign_key``, or the only relationship between the two tables). Rows whose key names
    no parent, or with either value missing, are left out of the share.
    """

    name: str
    table: str
    before: str
    after: str
    parent: str | None = None
    foreign_key: str | None = None


def _md_dict(metadata: Any) -> dict:
    return metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)


def _relationships(metadata: Any) -> list[dict]:
    return list(_md_dict(metadata).get("relationships", []))


def _primary_key(metadata: Any, table: str) -> str | None:
    return _md_dict(metadata)["tables"][table].get("primary_key")


def _id_columns(metadata: Any, table: str) -> set[str]:
    cols = _md_dict(metadata)["tables"][table]["columns"]
    return {c for c, m in cols.items() if m.get("sdtype") == "id"}


def quality(real: Tables, synthetic: Tables, metadata: Any) -> dict:
    """SDMetrics' multi-table QualityReport: overall score and each property's score.

    A property SDMetrics cannot compute is recorded as ``None`` with its error message; the
    other figures still come back.
    """
    from sdmetrics.reports.multi_table import QualityReport

    md = _md_dict(metadata)
    md = {"tables": md["tables"], "relationships": md.get("relationships", [])}
    report = QualityReport()
    report.generate(real, synthetic, md, verbose=False)
    props = report.get_properties()
    out = {"overall": _num(report.get_score()), "properties": {}}
    for _, row in props.iterrows():
        out["properties"][row["Property"]] = _num(row["Score"])
    errors = {}
    for prop in out["properties"]:
        try:
            details = report.get_details(prop)
        except Exception as exc:  # a property without a details table
            errors[prop] = f"{type(exc).__name__}: {exc}"
            continue
        if "Error" in details.columns:
            n = int(details["Error"].notna().sum())
            if n:
                errors[prop] = f"{n} of {len(details)} rows failed"
    out["errors"] = errors
    return out


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(x) else round(x, 4)


def fk_resolution(synthetic: Tables, metadata: Any) -> dict:
    """Share of non-null foreign-key values of each relationship that name an existing parent."""
    per, hit, total = {}, 0, 0
    for r in _relationships(metadata):
        p, c = r["parent_table_name"], r["child_table_name"]
        pk, fk = r["parent_primary_key"], r["child_foreign_key"]
        vals = synthetic[c][fk]
        nonnull = vals.dropna()
        ok = int(nonnull.isin(set(synthetic[p][pk].dropna())).sum())
        per[f"{c}.{fk} -> {p}.{pk}"] = {
            "share": round(ok / len(nonnull), 4) if len(nonnull) else None,
            "non_null": len(nonnull),
            "null_share": round(1 - len(nonnull) / len(vals), 4) if len(vals) else None,
        }
        hit += ok
        total += len(nonnull)
    return {"overall": round(hit / total, 4) if total else None, "relationships": per}


def _as_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("int64").where(s.notna()) / 86_400e9
    return pd.to_numeric(s, errors="coerce")


def date_orderings(tables: Tables, orderings: list[Ordering], metadata: Any) -> dict:
    """Share of rows (with both values present) where each ordering holds."""
    out = {}
    for o in orderings:
        child = tables[o.table]
        keep = pd.Series(True, index=child.index)
        par, fk = None, None
        if o.parent is not None:
            fk = o.foreign_key or _only_fk(metadata, o.parent, o.table)
            pk = _primary_key(metadata, o.parent)
            par = tables[o.parent].drop_duplicates(pk).set_index(pk)
            keep = child[fk].isin(par.index)

        def column(name: str, child=child, par=par, fk=fk) -> pd.Series:
            if name.startswith("parent."):
                return child[fk].map(par[name[len("parent.") :]])
            return child[name]

        b, a = _as_number(column(o.before)), _as_number(column(o.after))
        both = keep & b.notna() & a.notna()
        n = int(both.sum())
        out[o.name] = {
            "share": round(float((b[both] <= a[both]).mean()), 4) if n else None,
            "rows": n,
        }
    return out


def _only_fk(metadata: Any, parent: str, child: str) -> str:
    fks = [
        r["child_foreign_key"]
        for r in _relationships(metadata)
        if r["parent_table_name"] == parent and r["child_table_name"] == child
    ]
    if len(fks) != 1:
        raise ValueError(f"{child} -> {parent}: {len(fks)} foreign keys, name one")
    return fks[0]


def flatten(tables: Tables, metadata: Any, root: str) -> pd.DataFrame:
    """One row per root entity: its own columns, then per relationship below it the number
    of rows and the mean of each numeric or datetime column (datetimes in days).

    Relationships are walked breadth first from the root; a table reached twice (two foreign
    keys) gives one block per relationship, and its own children follow the first one.
    """
    pk = _primary_key(metadata, root)
    base = tables[root]
    ids = _id_columns(metadata, root)
    feats = {c: _feature(base[c]) for c in base.columns if c not in ids}
    root_of = {root: pd.Series(base[pk].to_numpy(), index=base.index)}
    queue, seen = deque([root]), set()
    rels = _relationships(metadata)
    while queue:
        parent = queue.popleft()
        for r in rels:
            if r["parent_table_name"] != parent or (id(r) in seen):
                continue
            seen.add(id(r))
            child, fk = r["child_table_name"], r["child_foreign_key"]
            ppk = r["parent_primary_key"]
            pmap = pd.Series(root_of[parent].to_numpy(), index=tables[parent][ppk].to_numpy())
            pmap = pmap[~pmap.index.duplicated()]
            cdf = tables[child]
            croot = cdf[fk].map(pmap)
            tag = f"{child}[{fk}]"
            counts = croot.value_counts()
            feats[f"{tag}.rows"] = base[pk].map(counts).fillna(0).to_numpy()
            cids = _id_columns(metadata, child)
            for c in cdf.columns:
                if c in cids:
                    continue
                s = cdf[c]
                if not (
                    pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
                ):
                    continue
                if pd.api.types.is_bool_dtype(s):
                    continue
                means = _as_number(s).groupby(croot.to_numpy()).mean()
                feats[f"{tag}.{c}.mean"] = base[pk].map(means).to_numpy()
            if child not in root_of:
                root_of[child] = croot
                queue.append(child)
    return pd.DataFrame(feats, index=base.index)


def _feature(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_numeric_dtype(s):
        if not pd.api.types.is_bool_dtype(s):
            return _as_number(s)
    return s.astype("string")


def history_auc(
    real: Tables, synthetic: Tables, metadata: Any, root: str, seed: int = 0, folds: int = 5
) -> dict:
    """ROC AUC of a classifier telling flattened real roots from synthetic ones (5-fold CV).

    Features: ``flatten``; text columns as codes over the union of both sides (native
    categorical splits). Classifier: sklearn ``HistGradientBoostingClassifier(random_state=
    seed)``, ``StratifiedKFold(folds, shuffle=True, random_state=seed)``, AUC of the
    out-of-fold probabilities. ``real_halves_auc`` is the control: the real roots split at
    random in two halves, same classifier. An AUC well below 0.5 flags copies: a copied root's
    twin sits in the training folds with the other label.
    """
    fr, fs = flatten(real, metadata, root), flatten(synthetic, metadata, root)
    auc, folds_auc, n_feat = _discriminate(fr, fs, seed, folds)
    # Control: the real roots split at random in two halves, same classifier. About 0.5.
    half = np.random.default_rng(seed).permutation(len(fr))
    a, b = fr.iloc[half[: len(fr) // 2]], fr.iloc[half[len(fr) // 2 :]]
    control, _, _ = _discriminate(a, b, seed, folds)
    return {
        "auc": auc,
        "fold_auc": folds_auc,
        "real_halves_auc": control,
        "real_roots": len(fr),
        "synthetic_roots": len(fs),
        "features": n_feat,
    }


def _discriminate(
    fr: pd.DataFrame, fs: pd.DataFrame, seed: int, folds: int
) -> tuple[float, list[float], int]:
    """Out-of-fold ROC AUC of HistGradientBoosting telling ``fr`` (1) from ``fs`` (0)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cols = sorted(set(fr.columns) | set(fs.columns))
    both = pd.concat([fr.reindex(columns=cols), fs.reindex(columns=cols)], ignore_index=True)
    cat_mask = []
    for c in cols:
        if pd.api.types.is_string_dtype(both[c]) or both[c].dtype == object:
            both[c] = both[c].astype("category").cat.codes.replace(-1, np.nan).astype(float)
            cat_mask.append(True)
        else:
            both[c] = pd.to_numeric(both[c], errors="coerce").astype(float)
            cat_mask.append(False)
    y = np.r_[np.ones(len(fr)), np.zeros(len(fs))]
    n_splits = int(min(folds, len(fr), len(fs)))
    clf = HistGradientBoostingClassifier(
        random_state=seed,
        categorical_features=np.array(cat_mask) if any(cat_mask) else None,
    )
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    proba = cross_val_predict(clf, both.to_numpy(), y, cv=cv, method="predict_proba")[:, 1]
    fold_auc = [round(float(roc_auc_score(y[te], proba[te])), 4) for _, te in cv.split(both, y)]
    return round(float(roc_auc_score(y, proba)), 4), fold_auc, len(cols)


def judge(
    real: Tables,
    synthetic: Tables,
    metadata: Any,
    root: str,
    orderings: list[Ordering],
    seed: int = 0,
) -> dict:
    """Every figure above for one synthetic set, with the real set's orderings beside it."""
    out: dict[str, Any] = {}
    try:
        out["quality"] = quality(real, synthetic, metadata)
    except Exception as exc:  # recorded, not fatal
        out["quality"] = {"error": f"{type(exc).__name__}: {exc}"}
    out["fk_resolution"] = fk_resolution(synthetic, metadata)
    out["orderings"] = date_orderings(synthetic, orderings, metadata)
    try:
        out["history_auc"] = history_auc(real, synthetic, metadata, root, seed=seed)
    except Exception as exc:
        out["history_auc"] = {"error": f"{type(exc).__name__}: {exc}"}
    out["rows"] = {t: len(df) for t, df in synthetic.items()}
    return out
