"""Job titles as whole cells: a column of occupations is a quasi-identifier, not free text.

A title ends in a head noun that names a trade (``Waste management officer``, ``Games
developer``) or carries a trade's suffix (``Phytotherapist``, ``Radiographer``). Only a whole
cell of at most six words matches, so running text is left alone.
"""

from __future__ import annotations

import re

from synthpriv.pii.recognizers._base import SingleEntityRecognizer

HEADS = frozenset(
    """
    accountant actor actuary adviser advisor agent analyst animator announcer apprentice architect
    archivist artist assistant associate attendant auditor baker banker barber bartender buyer
    carpenter cashier chef chemist cleaner clerk coach collector conservator consultant
    controller cook coordinator counsellor counselor curator dancer dentist deputy designer
    detective developer dietitian director dispatcher doctor draughtsman driver economist editor
    educator electrician engineer executive farmer firefighter fitter gardener geologist guard
    hairdresser handler head historian hygienist illustrator inspector instructor interpreter
    investigator janitor journalist judge labourer laborer lawyer lecturer librarian lifeguard
    machinist manager mechanic merchandiser midwife miner musician negotiator nurse nutritionist
    officer operative operator optician optometrist orthoptist paramedic partner pathologist
    pharmacist photographer physicist physician physiotherapist pilot planner plumber
    police politician porter practitioner presenter producer professor programmer psychologist
    psychotherapist publisher purser radiographer receptionist recruiter registrar representative
    researcher retailer salesman saleswoman scientist secretary sergeant singer solicitor
    specialist statistician steward student superintendent supervisor surgeon surveyor teacher
    technician technologist therapist tiler trader trainer translator tutor underwriter
    veterinarian waiter waitress warden welder worker writer
    """.split()
)
SUFFIXES = ("therapist", "ologist", "ographer", "opath", "ician", "iatrist")
_CELL = re.compile(r"^[A-Za-z][A-Za-z ,'&/()-]{1,80}$")


def occupation_like(value: str) -> bool:
    """Whether a whole cell reads as a job title."""
    text = value.strip()
    if not _CELL.match(text):
        return False
    words = re.split(r"[\s/,()-]+", text.lower())
    words = [w for w in words if w]
    if not words or len(words) > 6:
        return False
    head = words[-1].removesuffix("s") if words[-1] not in HEADS else words[-1]
    return head in HEADS or head.endswith(SUFFIXES)


class OccupationRecognizer(SingleEntityRecognizer):
    """Match a whole cell that is a job title (score 0.5)."""

    ENTITY = "OCCUPATION"

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """One span over the whole cell, or none."""
        return [(0, len(text), 0.5)] if occupation_like(text) else []
