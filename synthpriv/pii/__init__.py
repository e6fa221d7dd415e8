"""PII detection: recognizers, the analyzer engines that run them, and the column detector.

Importing this package makes Presidio's email check offline: ``tldextract`` would otherwise try to
download the public suffix list at first use, which hangs behind a firewall.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("TLDEXTRACT_CACHE", "")
