#!/usr/bin/env python3
"""Rebuild or check the linked (multi-table) finance corpus from provenance.csv (stdlib only).

Each row of provenance.csv names a public GitHub repository, a commit, a path, and, when
the path is a .tgz archive, the member inside it, with the sha256 of the member's bytes
(and of the archive). The bytes come from a local git mirror when --mirror-root is given
(layout <root>/<owner>+<name>/..., the git directory is searched inside), otherwise from
https://raw.githubusercontent.com/<owner>/<name>/<commit>/<path>.

Then a seeded subset BY ACCOUNT is written next to the full tables, so that keys stay
consistent: --accounts N accounts are drawn with random.Random(seed).sample from the sorted
account ids; every transaction in which one of them is the sender OR the receiver is kept,
and the accounts table holds the sampled accounts plus every counterparty of a kept
transaction (the parents of the kept rows). Lines are copied byte for byte, in file order.

    python3 fetch_linked.py --mirror-root /work/.mirror            # /work/corpora/linked
    python3 fetch_linked.py --mirror-root /work/.mirror --accounts 300 --seed 0
    python3 fetch_linked.py --check                                 # verify an existing folder

A file whose checksum already matches is never rewritten. A checksum mismatch stops the
run with a one-line error naming the file; nothing wrong is written.
"""

import argparse
import csv
import io
import os
import random
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mirror import (  # noqa: E402
    add_arguments,
    bytes_from_github,
    bytes_from_mirror,
    file_sha256,
    sha256_of,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = "/work/corpora/linked"
DEFAULT_ACCOUNTS = 300
DEFAULT_SEED = 0

# The one set this corpus holds, and how its tables link.
SET_NAME = "amlsim-20k-cycle200"
ACCOUNTS_FILE = "nodes.csv"  # primary key nodeid
TRANSACTIONS_FILE = "transactions.csv"  # foreign keys sourceNodeId, targetNodeId -> nodeid
ACCOUNT_KEY = "nodeid"
# sha256 of the default subset's files, as written by subset(); --check verifies them if present.
SUBSET_SHA256 = {
    "subset-a300-s0/accounts.csv": (
        "26a29135bf089fcbd138bcfaa67b4fa2e7d5ee7533d2fde9ea7eebc0c1793c9c"
    ),
    "subset-a300-s0/transactions.csv": (
        "96a6fb09df1e9a4b41eab7967851c5765270085fcbdf51051b16b35d5d5e95fb"
    ),
}
TRANSACTION_KEYS = ("sourceNodeId", "targetNodeId")


def read_provenance(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for key in ("file", "repo", "path", "commit", "sha256"):
            if not r.get(key):
                raise SystemExit(f"error: provenance row without {key}: {r!r}")
        parts = r["file"].split("/")
        if len(parts) != 2 or any(p in ("", ".", "..") for p in parts):
            raise SystemExit("error: file must be <set>/<name>: {}".format(r["file"]))
    return rows


def member_bytes(row, blob):
    """The file's bytes: the blob itself, or one member of the .tgz blob."""
    if row.get("archive_sha256") and sha256_of(blob) != row["archive_sha256"]:
        raise SystemExit(
            f"error: {row['file']}: archive sha256 mismatch for {row['repo']}@{row['commit']}:"
            f"{row['path']}"
        )
    if not row.get("member"):
        return blob
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        try:
            fh = tar.extractfile(row["member"])
        except KeyError:
            fh = None
        if fh is None:
            raise SystemExit(f"error: {row['file']}: no member {row['member']} in {row['path']}")
        return fh.read()


def write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".part-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def check(out, rows):
    bad = 0
    for r in rows:
        p = os.path.join(out, r["file"])
        if not os.path.isfile(p):
            print("MISSING  {}".format(r["file"]))
            bad += 1
        elif (got := file_sha256(p)) != r["sha256"]:
            print("MISMATCH {}: sha256 {}, expected {}".format(r["file"], got, r["sha256"]))
            bad += 1
        else:
            print("ok       {}".format(r["file"]))
    for name, want in SUBSET_SHA256.items():
        p = os.path.join(out, SET_NAME, name)
        if not os.path.isfile(p):
            print(f"absent   {SET_NAME}/{name} (default subset not written)")
        elif (got := file_sha256(p)) != want:
            print(f"MISMATCH {SET_NAME}/{name}: sha256 {got}, expected {want}")
            bad += 1
        else:
            print(f"ok       {SET_NAME}/{name}")
    print(f"{len(rows)} files, {len(rows) - bad} ok, {bad} missing or wrong")
    return 1 if bad else 0


def fetch(out, rows, mirror_root, timeout):
    blobs = {}
    for r in rows:
        p = os.path.join(out, r["file"])
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.isfile(p) and file_sha256(p) == r["sha256"]:
            print("kept     {} (checksum matches)".format(r["file"]))
            continue
        key = (r["repo"], r["commit"], r["path"])
        if key not in blobs:
            blobs[key] = (
                bytes_from_mirror(mirror_root, r) if mirror_root else bytes_from_github(r, timeout)
            )
        data = member_bytes(r, blobs[key])
        got = sha256_of(data)
        if got != r["sha256"]:
            raise SystemExit(
                f"error: {r['file']}: sha256 mismatch (got {got}, expected {r['sha256']}) "
                f"from {r['repo']}@{r['commit']}:{r['path']}"
                + (f" member {r['member']}" if r.get("member") else "")
            )
        write_atomic(p, data)
        print(f"wrote    {r['file']} ({len(data)} bytes)")
    return check(out, rows)


def split_lines(data):
    """Header line and data lines of a CSV file, each with its own line ending."""
    lines = data.splitlines(keepends=True)
    return lines[0], [ln for ln in lines[1:] if ln.strip()]


def subset(set_dir, accounts, seed):
    """Write the seeded by-account subset of the set into set_dir/subset-a<N>-s<seed>/."""
    with open(os.path.join(set_dir, ACCOUNTS_FILE), "rb") as fh:
        acc_head, acc_lines = split_lines(fh.read())
    with open(os.path.join(set_dir, TRANSACTIONS_FILE), "rb") as fh:
        tx_head, tx_lines = split_lines(fh.read())
    acc_cols = acc_head.decode("utf-8").strip().split(",")
    tx_cols = tx_head.decode("utf-8").strip().split(",")
    k = acc_cols.index(ACCOUNT_KEY)
    fk = [tx_cols.index(c) for c in TRANSACTION_KEYS]
    acc_ids = [ln.decode("utf-8").strip().split(",")[k] for ln in acc_lines]
    ids_sorted = sorted(set(acc_ids), key=int)
    if accounts > len(ids_sorted):
        raise SystemExit(f"error: --accounts {accounts} > {len(ids_sorted)} accounts in the set")
    sampled = set(random.Random(seed).sample(ids_sorted, accounts))
    kept_tx, parents = [], set(sampled)
    for ln in tx_lines:
        vals = ln.decode("utf-8").strip().split(",")
        ends = [vals[i] for i in fk]
        if any(e in sampled for e in ends):
            kept_tx.append(ln)
            parents.update(ends)
    kept_acc = [ln for ln, a in zip(acc_lines, acc_ids, strict=True) if a in parents]
    missing = parents - set(acc_ids)
    if missing:
        raise SystemExit(f"error: {len(missing)} transaction keys name no account")
    sub = os.path.join(set_dir, f"subset-a{accounts}-s{seed}")
    os.makedirs(sub, exist_ok=True)
    acc_bytes = acc_head + b"".join(kept_acc)
    tx_bytes = tx_head + b"".join(kept_tx)
    write_atomic(os.path.join(sub, "accounts.csv"), acc_bytes)
    write_atomic(os.path.join(sub, "transactions.csv"), tx_bytes)
    print(
        f"subset   {os.path.relpath(sub, os.path.dirname(set_dir))}: {accounts} sampled accounts "
        f"(random.Random({seed})), {len(kept_acc)} accounts with counterparties, "
        f"{len(kept_tx)} transactions"
    )
    print(f"         accounts.csv sha256 {sha256_of(acc_bytes)}")
    print(f"         transactions.csv sha256 {sha256_of(tx_bytes)}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap, HERE, DEFAULT_OUT)
    ap.add_argument(
        "--accounts",
        type=int,
        default=DEFAULT_ACCOUNTS,
        help="accounts sampled for the subset, 0 for none (default %(default)s)",
    )
    ap.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="subset seed (default %(default)s)"
    )
    args = ap.parse_args(argv)
    rows = read_provenance(args.provenance)
    if args.check:
        if not os.path.isdir(args.out):
            raise SystemExit(f"error: {args.out} does not exist")
        return check(args.out, rows)
    status = fetch(args.out, rows, args.mirror_root, args.timeout)
    if status == 0 and args.accounts > 0:
        status = subset(os.path.join(args.out, SET_NAME), args.accounts, args.seed)
    return status


if __name__ == "__main__":
    sys.exit(main())
