"""Generate the demo tables in sample_data/ with realistic fake PII (Faker, fixed seed).

Run ``python sample_data/generate.py`` to rewrite ``healthcare.csv`` and ``finance.csv``; the output
is byte-identical for a given Faker version. Every person here is invented.

The tables carry correlations a synthesizer should keep, so fidelity can be measured:
charges rise with length of stay and age; length of stay depends on the diagnosis and age;
credit score rises with income; default becomes likelier as credit score falls.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from pathlib import Path

from faker import Faker

SEED = 20261124
HERE = Path(__file__).resolve().parent

# ICD-10 codes with a base length of stay in days and a relative frequency.
DIAGNOSES = [
    ("I10", 2, 12),  # essential hypertension
    ("E11.9", 3, 10),  # type 2 diabetes without complications
    ("J18.9", 5, 8),  # pneumonia, unspecified
    ("I50.9", 6, 6),  # heart failure, unspecified
    ("N39.0", 3, 6),  # urinary tract infection
    ("K35.80", 3, 4),  # acute appendicitis
    ("S72.001A", 7, 3),  # fracture of femur neck
    ("F32.9", 8, 4),  # major depressive disorder
    ("J44.1", 5, 5),  # COPD with exacerbation
    ("A41.9", 9, 3),  # sepsis
    ("O80", 2, 7),  # normal delivery
    ("I21.4", 6, 2),  # NSTEMI
]

NOTE_TEMPLATES = [
    "Patient {name} admitted with {dx}. Daughter {other} can be reached at {phone}.",
    "Seen by Dr. {doctor}. Patient reports improvement, follow-up in two weeks.",
    "{name} was discharged home. Contact wife {other} at {phone} for transport.",
    "No acute distress. Vitals stable overnight, continue current medication.",
    "Called {phone} to confirm appointment; spoke with {other}.",
    "Patient {name} prefers email at {email} for lab results.",
    "Wound care reviewed with nursing staff. Pain controlled on oral analgesics.",
    "Referred to Dr. {doctor} for cardiology consult; SSN on file {ssn} verified.",
]

TRANSACTION_TEMPLATES = [
    "Wire transfer to {other}, reference {iban}.",
    "Card ending {card4} disputed by {name}; call back {phone}.",
    "Monthly salary deposit.",
    "Standing order for rent, no issues.",
    "Customer {name} requested a statement by email to {email}.",
    "Overdraft fee reversed after review.",
    "Payment to {other} flagged for review, account {account}.",
]


def _weighted(rng: random.Random, items: list[tuple[str, int, int]]) -> tuple[str, int, int]:
    return rng.choices(items, weights=[w for _, _, w in items], k=1)[0]


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def healthcare_rows(n: int, seed: int = SEED) -> list[dict[str, object]]:
    """Return ``n`` fake patient records."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sex = rng.choice(["F", "M"])
        first = fake.first_name_female() if sex == "F" else fake.first_name_male()
        last = fake.last_name()
        dob = fake.date_of_birth(minimum_age=0, maximum_age=95)
        admitted = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(730))
        age = _age(dob, admitted)
        code, base_stay, _ = _weighted(rng, DIAGNOSES)
        stay = max(1, round(rng.gammavariate(2.0, base_stay / 2.0) * (1 + age / 150)))
        charges = round((2500 + 1800 * stay + 35 * age) * rng.lognormvariate(0, 0.25), 2)
        phone = fake.phone_number()
        email = f"{first}.{last}{rng.randrange(100)}@{fake.free_email_domain()}".lower()
        ssn = fake.ssn()
        payer = rng.choice(["BCX", "AET", "UHC", "CIG"])
        note = rng.choice(NOTE_TEMPLATES).format(
            name=f"{first} {last}",
            other=fake.name(),
            doctor=fake.last_name(),
            phone=phone,
            email=email,
            ssn=ssn,
            dx=code,
        )
        rows.append(
            {
                "patient_name": f"{first} {last}",
                "ssn": ssn,
                "mrn": f"MRN{1000000 + i * 7 + rng.randrange(7):07d}",
                "date_of_birth": dob.isoformat(),
                "sex": sex,
                "zip": fake.zipcode(),
                "address": fake.street_address(),
                "phone": phone,
                "email": email,
                "insurance_id": f"{payer}{rng.randrange(10**9):09d}",
                "diagnosis_code": code,
                "admission_date": admitted.isoformat(),
                "length_of_stay": stay,
                "charges": charges,
                "clinical_note": note,
            }
        )
    return rows


def finance_rows(n: int, seed: int = SEED + 1) -> list[dict[str, object]]:
    """Return ``n`` fake bank customer records."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        first, last = fake.first_name(), fake.last_name()
        dob = fake.date_of_birth(minimum_age=18, maximum_age=85)
        age = _age(dob, dt.date(2026, 1, 1))
        income = round(rng.lognormvariate(10.6 + 0.012 * min(age, 55), 0.45), -2)
        score = int(min(850, max(300, rng.gauss(520 + 60 * math.log(income / 20000), 55))))
        p_default = 1 / (1 + math.exp((score - 560) / 45))
        balance = round(max(-2500.0, rng.gauss(income * 0.08, income * 0.05)), 2)
        card = fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard"]))
        iban = fake.iban()
        account = f"{rng.randrange(10**9, 10**10)}"
        phone = fake.phone_number()
        email = f"{first[0]}{last}{rng.randrange(1000)}@{fake.free_email_domain()}".lower()
        note = rng.choice(TRANSACTION_TEMPLATES).format(
            name=f"{first} {last}",
            other=fake.name(),
            iban=iban,
            card4=card[-4:],
            phone=phone,
            email=email,
            account=account,
        )
        rows.append(
            {
                "customer_name": f"{first} {last}",
                "iban": iban,
                "card_number": card,
                "account_number": account,
                "email": email,
                "date_of_birth": dob.isoformat(),
                "zip": fake.zipcode(),
                "annual_income": income,
                "balance": balance,
                "credit_score": score,
                "default_flag": rng.random() < p_default,
                "transaction_note": note,
            }
        )
    return rows


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    """Write ``rows`` as a UTF-8 CSV with a header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Write both demo tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    write_csv(healthcare_rows(args.rows), args.out / "healthcare.csv")
    write_csv(finance_rows(args.rows), args.out / "finance.csv")
    print(f"wrote {args.rows} rows to {args.out / 'healthcare.csv'} and {args.out / 'finance.csv'}")


if __name__ == "__main__":
    main()
