#!/usr/bin/env python3
"""Rebuild or check the pii-dev2 corpus from provenance.csv (standard library only).

Each row of provenance.csv names a public GitHub repository, a commit, a path and
the sha256 of the file's bytes. The bytes come from a local git mirror when
--mirror-root is given (layout <root>/<owner>+<name>/..., the git directory is
searched inside), otherwise from
https://raw.githubusercontent.com/<owner>/<name>/<commit>/<path>.

    python3 fetch_corpus.py                          # download into /work/corpora/pii-dev2
    python3 fetch_corpus.py --out /tmp/x --mirror-root /work/.mirror
    python3 fetch_corpus.py --check                  # only verify an existing folder

A file whose checksum already matches is never rewritten. A checksum mismatch
stops the run with a one-line error naming the file; nothing wrong is written.
"""

import argparse
import csv
import os
import sys
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
DEFAULT_OUT = "/work/corpora/pii-dev2"


def read_provenance(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for key in ("file", "repo", "path", "commit", "sha256"):
            if not r.get(key):
                raise SystemExit(f"error: provenance row without {key}: {r!r}")
        if os.path.basename(r["file"]) != r["file"]:
            raise SystemExit("error: file name must not contain a directory: {}".format(r["file"]))
    return rows


def check(out, rows):
    bad = 0
    for r in rows:
        p = os.path.join(out, r["file"])
        if not os.path.isfile(p):
            print("MISSING  {}".format(r["file"]))
            bad += 1
            continue
        got = file_sha256(p)
        if got != r["sha256"]:
            print("MISMATCH {}: sha256 {}, expected {}".format(r["file"], got, r["sha256"]))
            bad += 1
        else:
            print("ok       {}".format(r["file"]))
    extra = sorted(set(os.listdir(out)) - {r["file"] for r in rows}) if os.path.isdir(out) else []
    for name in extra:
        print(f"extra    {name} (not in provenance.csv)")
    print(f"{len(rows)} files, {len(rows) - bad} ok, {bad} missing or wrong")
    return 1 if bad else 0


def fetch(out, rows, mirror_root, timeout):
    os.makedirs(out, exist_ok=True)
    for r in rows:
        p = os.path.join(out, r["file"])
        if os.path.isfile(p) and file_sha256(p) == r["sha256"]:
            print("kept     {} (checksum matches)".format(r["file"]))
            continue
        data = bytes_from_mirror(mirror_root, r) if mirror_root else bytes_from_github(r, timeout)
        got = sha256_of(data)
        if got != r["sha256"]:
            raise SystemExit(
                f"error: {r['file']}: sha256 mismatch (got {got}, expected {r['sha256']}) "
                f"from {r['repo']}@{r['commit']}:{r['path']}"
            )
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".part-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
        print(f"wrote    {r['file']} ({len(data)} bytes)")
    return check(out, rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap, HERE, DEFAULT_OUT)
    args = ap.parse_args(argv)
    rows = read_provenance(args.provenance)
    if args.check:
        if not os.path.isdir(args.out):
            raise SystemExit(f"error: {args.out} does not exist")
        return check(args.out, rows)
    return fetch(args.out, rows, args.mirror_root, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
