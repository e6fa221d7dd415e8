"""Person names: dictionaries from two independent sources, and the shape of a name.

The dictionaries join Faker's person lists for every locale it ships (given names and surnames of
about 90 locales) with the US Census Bureau's 1990 lists (88,799 surnames, 5,494 given names, as
packaged by ``names``). A dictionary alone is not the test: the detector also looks at shape (a
name is one to a few capitalised words, maybe with particles, titles and a maiden name in
parentheses) and at how a column's values are spread, so names from lists neither source has are
still found (see :mod:`synthpriv.pii.profile`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from importlib import resources

# Words that join or decorate names without being names.
PARTICLES = frozenset(
    "da de del della der di do dos das du la le van von den ter ten y e bin ibn al el st ste "
    "mac mc o".split()
)
TITLES = frozenset(
    "mr mrs ms miss mister master mx dr prof rev fr sir dame lady lord dona don sra srta sr "
    "herr frau mme mlle m monsieur madame jr snr jnr ii iii iv md phd dds dvm esq col capt "
    "major rev'd the countess".split()
)
# Words that mark an organisation, not a person.
ORG_MARKERS = frozenset(
    "inc inc. llc ltd ltd. plc corp corp. co co. company companies group holdings partners "
    "associates sons gmbh ag sa sarl srl spa bv nv oy ab as kg ug ltda eireli mei limited "
    "incorporated corporation and & bank hospital clinic university college school institute "
    "foundation trust services solutions systems technologies international industries "
    "enterprises agency studio store shop market restaurant hotel center centre".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?")
_NOT_NAME_CHARS = re.compile(r"[\d@/_:;#%=+*<>\[\]{}|\\$€£]")
_MIXED = re.compile(r"(?:Ma?c|O['’]|De|Di|La|Le|Van|Von)?[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)*")
_NOT_NAMES = {"patient", "called", "seen", "contact", "customer", "payment", "wire", "card", "no"}


def _census(file: str) -> set[str]:
    text = resources.files("names").joinpath(file).read_text(encoding="ascii")
    return {line.split()[0].lower() for line in text.splitlines() if line.strip()}


def _faker_locales() -> list[str]:
    import faker.providers.person as person

    return [m.name for m in pkgutil.iter_modules(person.__path__)]


# Locales whose lists hold everyday names; the full set (about 90) also holds rare names that
# are everyday words ("Boston", "Summer"), fine for a column of names, not for running text.
COMMON_LOCALES = ("en_US", "en_GB", "en_IN", "de_DE", "es_ES", "fr_FR", "it_IT", "nl_NL", "pt_BR")


@cache
def name_lists(common: bool = False) -> tuple[frozenset[str], frozenset[str]]:
    """Return (given names, surnames), lower-case, from Faker's locales and the US Census.

    ``common`` keeps Faker's nine largest Western locales only (for names in free text).
    """
    given: set[str] = set()
    surnames: set[str] = set()
    for locale in COMMON_LOCALES if common else _faker_locales():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, bucket in (
            ("first_names", given),
            ("first_names_male", given),
            ("first_names_female", given),
            ("last_names", surnames),
        ):
            values = provider.__dict__.get(attr, ())
            if isinstance(values, property):
                continue
            for name in values:
                bucket.update(part.lower() for part in str(name).split())
    given |= _census("dist.male.first") | _census("dist.female.first")
    surnames |= _census("dist.all.last")
    return frozenset(given - _NOT_NAMES), frozenset(surnames - _NOT_NAMES)


def words_of(value: str) -> list[str]:
    """The alphabetic words of ``value`` (letters of any script, inner ' - . kept)."""
    return _WORD.findall(value)


_APPENDED_DIGITS = re.compile(r"(?<=[^\W\d_]{3})\d{1,4}\b")


def without_appended_digits(value: str) -> str:
    """``Alice368 Gleason633`` -> ``Alice Gleason``: digits test-data generators append to names.

    Only digit runs stuck to the end of a word of three or more letters go; a value with any other
    digit (``A/5 21171``, ``Room 12``) is returned unchanged.
    """
    stripped = _APPENDED_DIGITS.sub("", value)
    return value if re.search(r"\d", stripped) else stripped


def name_shape(value: str) -> bool:
    """True when ``value`` is shaped like a person's name.

    One to eight words, no digits or symbols, every word capitalised (or in capitals) unless it
    is a particle or title; ``Smith, John``, ``Braund, Mr. Owen Harris`` and ``María José da
    Silva`` all qualify, ``misc_net`` and ``A/5 21171`` do not.
    """
    if not value or len(value) > 80 or _NOT_NAME_CHARS.search(value):
        return False
    words = words_of(value)
    if not 1 <= len(words) <= 8:
        return False
    content = 0
    for word in words:
        bare = word.rstrip(".").lower()
        if bare in PARTICLES or bare in TITLES:
            continue
        if not (
            word[0].isupper()
            and (word[1:].islower() or word.isupper() or len(word) <= 3 or _mixed_name(word))
        ):
            return False
        content += 1
    return content >= 1


def _mixed_name(word: str) -> bool:
    """McDonald, O'Brien, DeShawn, Jean-Luc: inner capitals after Mc/Mac/O'/De or a hyphen."""
    return bool(
        re.fullmatch(
            r"(?:Ma?c|O['’]|De|Di|La|Le|Van|Von)?[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)*", word
        )
    )


def org_marked(value: str) -> bool:
    """True when ``value`` carries a word that marks an organisation (LLC, Group, and, Bank...)."""
    return any(w.lower().rstrip(".") in ORG_MARKERS for w in value.replace("&", " & ").split())


def dictionary_hits(value: str) -> tuple[bool, bool]:
    """(some word is a known given name, some word is a known surname), titles ignored."""
    given, surnames = name_lists()
    words = [w.rstrip(".").lower() for w in words_of(value)]
    words = [w for w in words if w not in TITLES and w not in PARTICLES]
    return any(w in given for w in words), any(w in surnames for w in words)


def all_in_dictionary(value: str) -> bool:
    """True when every word (titles and particles aside) is a known given name or surname."""
    given, surnames = name_lists()
    words = [w.rstrip(".").lower() for w in words_of(value)]
    words = [w for w in words if w not in TITLES and w not in PARTICLES]
    return bool(words) and all(w in given or w in surnames for w in words)
