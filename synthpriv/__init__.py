"""synthpriv: privacy-preserving tabular synthesis for the terminal.

The library never prints; :mod:`synthpriv.cli` is the only module that talks to a terminal.
"""

__version__ = "0.1.0"
