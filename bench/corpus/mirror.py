"""Reading a corpus file's bytes from a local git mirror (the ``fetch`` tool's) or from GitHub.

Shared by the corpus scripts (``pii-dev2/fetch_corpus.py``, ``linked/fetch_linked.py``), which
run with any Python 3 and import this module from their parent folder.
"""

import hashlib
import os
import subprocess
import urllib.parse
import urllib.request


def sha256_of(data):
    """The hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    """The hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_git_dir(path):
    """Whether ``path`` is a bare git directory (or a work tree's .git)."""
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(
        os.path.join(path, "objects")
    )


def find_git_dir(mirror_root, repo):
    """The git directory of ``owner/name`` under ``mirror_root`` (``owner+name/...``), or None."""
    base = os.path.join(mirror_root, repo.replace("/", "+"))
    if not os.path.isdir(base):
        return None
    candidates = [
        base,
        os.path.join(base, ".git"),
        os.path.join(base, "repo"),
        os.path.join(base, "repo", ".git"),
    ]
    for c in candidates:
        if is_git_dir(c):
            return c
    for dirpath, dirnames, _ in os.walk(base):
        if dirpath[len(base) :].count(os.sep) > 3:
            dirnames[:] = []
            continue
        if is_git_dir(dirpath):
            return dirpath
        dirnames.sort()
    return None


def bytes_from_mirror(mirror_root, row):
    """The bytes of ``row['path']`` at ``row['commit']`` in the mirror of ``row['repo']``."""
    git_dir = find_git_dir(mirror_root, row["repo"])
    if git_dir is None:
        raise SystemExit(
            f"error: {row['file']}: no git mirror of {row['repo']} under {mirror_root}"
        )
    spec = "{}:{}".format(row["commit"], row["path"])
    proc = subprocess.run(["git", "--git-dir=" + git_dir, "show", spec], capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        last = msg[-1] if msg else "?"
        raise SystemExit(f"error: {row['file']}: git show {spec} failed in {git_dir}: {last}")
    return proc.stdout


def bytes_from_github(row, timeout):
    """The same bytes from raw.githubusercontent.com (where the network allows)."""
    url = "https://raw.githubusercontent.com/{}/{}/{}".format(
        row["repo"], row["commit"], urllib.parse.quote(row["path"])
    )
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.read()
    except Exception as exc:  # network errors, 404 ...
        raise SystemExit(f"error: {row['file']}: download of {url} failed: {exc}") from None


def add_arguments(parser, here, default_out):
    """Add the options every corpus script takes (--out, --provenance, --mirror-root...)."""
    parser.add_argument("--out", default=default_out, help="corpus folder (default %(default)s)")
    parser.add_argument(
        "--provenance",
        default=os.path.join(here, "provenance.csv"),
        help="provenance.csv (default: next to this script)",
    )
    parser.add_argument(
        "--mirror-root", help="take the bytes from local git mirrors under this folder"
    )
    parser.add_argument("--check", action="store_true", help="only verify the files in --out")
    parser.add_argument("--timeout", type=float, default=60.0, help="download timeout in seconds")
