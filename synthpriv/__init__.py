"""synthpriv: privacy-preserving tabular synthesis for the terminal.

The library never prints; :mod:`synthpriv.cli` is the only module that talks to a terminal.

Importing the package makes Presidio's email check offline before anything imports it:
``tldextract`` builds its default extractor at import time and would try to download the public
suffix list, which hangs behind a firewall. With these variables empty it uses the
snapshot it ships.

It also makes polars' allocator (jemalloc) give freed pages back to the system at once. By
default polars keeps them for 0.5 s and then 1 s more (``dirty_decay_ms:500,muzzy_decay_ms:1000``):
a step that allocates and frees in a loop, as the history search does partition after partition,
holds every page it freed in that window. At 4M rows that was 1,385 MB of heap where the pages in
use were 652 MB, and under a 1.2 GB memory cap the process was killed where it now finishes
(bench/README.md, "Allocator"). polars appends this setting to its own, so it wins; a user's own
``_RJEM_MALLOC_CONF`` is kept. It counts only if set before polars is first imported, as importing
this package does.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("TLDEXTRACT_CACHE", "")
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

__version__ = "0.1.0"
