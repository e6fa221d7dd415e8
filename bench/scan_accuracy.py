"""Benchmark: column-level PII detection accuracy, synthpriv vs presidio-structured, same tables.

Usage: .venv/bin/python bench/scan_accuracy.py [--rows N] [--structured-sample N]
Generates labelled tables (health and finance columns in varied formats, 10% missing values in
some, decoys that look like PII but are not) under four header styles: meaningful, abbreviated,
German, meaningless (c0, c1...). Scores each column's role, and for the PII columns whether each
tool flags them. Writes bench/results/scan_accuracy.json and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import polars as pl
from faker import Faker

HERE = Path(__file__).resolve().parent
DIRECT, QUASI, SENS, TEXT, NONE = (
    "direct_identifier",
    "quasi_identifier",
    "sensitive",
    "free_text_pii",
    "none",
)


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def _npi(rng: random.Random) -> str:
    body = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + _luhn_digit("80840" + body)


def _ssn_format(rng: random.Random, ssn: str) -> str:
    return rng.choice([ssn, ssn.replace("-", ""), ssn.replace("-", " ")])


def _bad_ssn(rng: random.Random) -> str:
    # area 000, 666 or 9xx: never issued, Presidio's validator rejects them
    area = rng.choice(["000", "666", "9" + str(rng.randrange(10, 99))])
    return f"{area}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"


# column spec: truth role, truth entity, headers (meaningful, abbreviated, German), generator
COLUMNS = [
    (DIRECT, "PERSON", ("patient_name", "pat_nm", "patientenname"), lambda f, r: f.name()),
    # names from locales outside synthpriv's name dictionary (Faker en/de/es/fr/it/nl/pt lists)
    (DIRECT, "PERSON", ("guardian_name", "grd_nm", "vormund"), lambda f, r: _OTHER_NAMES.name()),
    (
        DIRECT,
        "US_SSN",
        ("ssn", "soc_sec_no", "sozialversicherungsnummer"),
        lambda f, r: _ssn_format(r, f.ssn()),
    ),
    (DIRECT, "EMAIL_ADDRESS", ("email", "eml", "e_mail_adresse"), lambda f, r: f.email()),
    (DIRECT, "PHONE_NUMBER", ("phone", "ph", "telefonnummer"), lambda f, r: f.phone_number()),
    (
        DIRECT,
        "CREDIT_CARD",
        ("card_number", "cc_num", "kartennummer"),
        lambda f, r: f.credit_card_number(),
    ),
    (DIRECT, "IBAN_CODE", ("iban", "iban_cd", "iban"), lambda f, r: f.iban()),
    (
        DIRECT,
        "MEDICAL_RECORD_NUMBER",
        ("mrn", "med_rec_no", "fallnummer"),
        lambda f, r: f"MRN{r.randrange(10**6, 10**7)}",
    ),
    (DIRECT, "US_NPI", ("provider_npi", "npi", "arztnummer"), lambda f, r: _npi(r)),
    (DIRECT, "STREET_ADDRESS", ("address", "addr", "anschrift"), lambda f, r: f.street_address()),
    (DIRECT, "IP_ADDRESS", ("ip_address", "ip", "ip_adresse"), lambda f, r: f.ipv4()),
    (
        QUASI,
        "DATE_OF_BIRTH",
        ("date_of_birth", "dob", "geburtsdatum"),
        lambda f, r: f.date_of_birth().isoformat(),
    ),
    (QUASI, "ZIP_CODE", ("zip_code", "zip", "postleitzahl"), lambda f, r: f.zipcode()),
    (QUASI, "SEX", ("gender", "sex", "geschlecht"), lambda f, r: r.choice(["F", "M"])),
    (QUASI, "AGE", ("age", "age_yrs", "alter"), lambda f, r: r.randrange(0, 100)),
    (QUASI, "LOCATION", ("city", "cty", "stadt"), lambda f, r: r.choice(_CITIES)),
    (
        SENS,
        "ICD10_CODE",
        ("diagnosis_code", "dx_cd", "diagnose"),
        lambda f, r: r.choice(["E11.9", "I10", "J18.9", "N39.0", "K35.80"]),
    ),
    (
        SENS,
        "FINANCIAL",
        ("annual_income", "inc", "einkommen"),
        lambda f, r: round(r.lognormvariate(10.8, 0.5), 2),
    ),
    (
        TEXT,
        "PERSON",
        ("clinical_note", "note_txt", "notiz"),
        lambda f, r: f"Patient {f.name()} called from {f.phone_number()} about results.",
    ),
    # decoys: no personal data
    (NONE, None, ("visit_comment", "cmt", "kommentar"), lambda f, r: r.choice(_PLAIN_NOTES)),
    (
        NONE,
        None,
        ("product_code", "prod_cd", "produktcode"),
        lambda f, r: f"SKU-{r.randrange(100, 150)}-{r.choice('ABC')}",
    ),
    (NONE, None, ("order_amount", "amt", "betrag"), lambda f, r: round(r.uniform(1, 500), 2)),
    (NONE, None, ("quantity", "qty", "menge"), lambda f, r: r.randrange(1, 20)),
    (NONE, None, ("reference_number", "ref_no", "referenz"), lambda f, r: r.choice(_BAD_SSNS)),
    (NONE, None, ("status", "st", "status"), lambda f, r: r.choice(["open", "closed", "pending"])),
]
_OTHER_NAMES = Faker(["pl_PL", "sv_SE", "cs_CZ", "tr_TR"])
_OTHER_NAMES.seed_instance(99)
_CITIES = ["Boston", "Chicago", "Denver", "Seattle", "Austin", "Portland", "Atlanta", "Phoenix"]
_PLAIN_NOTES = [
    "Vitals stable overnight, continue current medication.",
    "No acute distress; follow-up in two weeks.",
    "Wound care reviewed with nursing staff.",
    "Pain controlled on oral analgesics, patient ambulating.",
]
# SSN-shaped numbers that fail validation, repeated like a lookup code (not unique per row)
_BAD_SSNS = [_bad_ssn(random.Random(i)) for i in range(40)]
STYLES = ("meaningful", "abbreviated", "german", "meaningless")


def make_table(
    rows: int, style: str, seed: int
) -> tuple[pl.DataFrame, list[tuple[str, str | None]]]:
    """Return a labelled table and its truth (role, entity) per column."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    data, truth = {}, []
    for i, (role, entity, headers, make) in enumerate(COLUMNS):
        name = f"c{i}" if style == "meaningless" else headers[STYLES.index(style)]
        values = [make(fake, rng) for _ in range(rows)]
        if i % 3 == 0:  # some missing values
            values = [None if rng.random() < 0.1 else v for v in values]
        data[name] = values
        truth.append((role, entity))
    frame = pl.DataFrame(data, strict=False)
    return frame, truth


def synthpriv_roles(frame: pl.DataFrame) -> list[tuple[str, list[str]]]:
    from synthpriv.io import infer_types
    from synthpriv.pii.detector import ColumnDetector, DetectorSettings

    frame = infer_types(frame.with_columns(pl.all().cast(pl.String)))
    schema = ColumnDetector(DetectorSettings(nlp_model="none")).detect(frame)
    return [(str(c.role), c.entity_types) for c in schema.columns]


def structured_roles(frame: pl.DataFrame, sample: int) -> list[tuple[str, list[str]]]:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_structured import PandasAnalysisBuilder

    from synthpriv.pii.entities import ENTITY_ROLES

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    nlp.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp, languages=["en"])
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    pdf = frame.with_columns(pl.all().cast(pl.String).fill_null("")).to_pandas()
    analysis = PandasAnalysisBuilder(analyzer=engine).generate_analysis(
        pdf, n=min(sample, len(pdf))
    )
    out = []
    for name in frame.columns:
        entity = analysis.entity_mapping.get(name)
        role = str(ENTITY_ROLES.get(entity, DIRECT)) if entity else NONE
        out.append((role, [entity] if entity else []))
    return out


def score(results: dict[str, list], truths: list) -> dict:
    """Precision/recall per role and recall per direct entity; 'pii' = direct or free-text PII."""
    counts: dict = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    entity_hits: dict = defaultdict(lambda: [0, 0])
    for predicted, truth in zip(results, truths, strict=True):
        for (p_role, p_entities), (t_role, t_entity) in zip(predicted, truth, strict=True):
            for role in (DIRECT, QUASI, SENS, TEXT, "pii"):
                t = t_role in (DIRECT, TEXT) if role == "pii" else t_role == role
                p = p_role in (DIRECT, TEXT) if role == "pii" else p_role == role
                counts[role]["tp"] += t and p
                counts[role]["fp"] += p and not t
                counts[role]["fn"] += t and not p
            if t_role == DIRECT:
                entity_hits[t_entity][1] += 1
                entity_hits[t_entity][0] += t_entity in p_entities
    table = {}
    for role, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
        table[role] = {"precision": _r(precision), "recall": _r(recall), **c}
    table["direct_entity_recall"] = {e: _r(h / n) for e, (h, n) in sorted(entity_hits.items())}
    return table


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--tables", type=int, default=2, help="tables per header style")
    parser.add_argument("--structured-sample", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    out: dict = {
        "rows_per_table": args.rows,
        "tables_per_style": args.tables,
        "columns_per_table": len(COLUMNS),
    }
    for style in STYLES:
        tables = [make_table(args.rows, style, seed) for seed in range(args.tables)]
        truths = [t for _, t in tables]
        for tool, fn in (
            ("synthpriv", synthpriv_roles),
            ("presidio_structured", lambda f: structured_roles(f, args.structured_sample)),
        ):
            start = time.perf_counter()
            predictions = [fn(frame) for frame, _ in tables]
            out.setdefault(style, {})[tool] = score(predictions, truths) | {
                "seconds": round(time.perf_counter() - start, 2)
            }
        print(
            style,
            json.dumps(
                {k: {r: v[r] for r in ("pii", DIRECT, QUASI, TEXT)} for k, v in out[style].items()}
            ),
        )
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scan_accuracy.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
