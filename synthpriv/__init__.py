"""synthpriv: privacy-preserving tabular synthesis for the terminal.

The library never prints; :mod:`synthpriv.cli` is the only module that talks to a terminal.

Importing the package makes Presidio's email check offline before anything imports it:
``tldextract`` builds its default extractor at import time and would try to download the public
suffix list, which hangs behind a firewall. With these variables empty it uses the
snapshot it ships.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("TLDEXTRACT_CACHE", "")

__version__ = "0.1.0"
