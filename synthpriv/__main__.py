"""Allow ``python -m synthpriv``."""

from synthpriv.cli import main

if __name__ == "__main__":
    main()
