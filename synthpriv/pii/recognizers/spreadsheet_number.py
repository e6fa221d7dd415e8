"""Long numbers a spreadsheet saved in scientific notation (``2.70319E+15``).

Excel writes any number of 12 or more digits this way and keeps only about six of them. What is
left no longer passes a card or account checksum, but a column of such cells held card, account
or phone numbers: it is treated as the identifier it was.
"""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class SpreadsheetNumberRecognizer(DeclaredPatternRecognizer):
    """Find ``2.70319E+15``, ``6.30423E+11`` (exponent 11 or more) as a whole cell."""

    ENTITY = "LONG_NUMBER"
    PATTERNS = (("scientific notation", r"^\s*\d\.\d{1,14}[eE]\+?(?:1[1-9]|[2-9]\d)\s*$", 0.5),)
    CONTEXT = ("card", "cc", "account", "acct", "phone", "number", "num")
