"""Benchmark: column-level PII detection on generated tables, synthpriv vs presidio-structured.

Usage: .venv/bin/python bench/scan_accuracy.py [--rows N] [--structured-sample N]

The tables are generated with **mimesis**, a generator synthpriv does not use (its detector's
name lists come from Faker and the US Census), in twelve locales (Latin, Cyrillic and Greek
scripts), under four header styles: English snake_case, CamelCase, the locale's own language
(headers written for this benchmark, as people in those countries write them), and meaningless
(c0, c1...). The real-table benchmark (bench/scan_realtables.py) is the primary measure; this one
checks that detection is not tied to the lists it was built from. Writes
bench/results/scan_accuracy.json and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scan_realtables import DIRECT_ROLES, structured_engine, structured_predict  # noqa: E402

DIRECT, QUASI, NONE = "direct_identifier", "quasi_identifier", "non_pii"
LOCALES = ("en", "de", "fr", "es", "pt-br", "it", "nl", "pl", "sv", "tr", "cs", "ru")
STYLES = ("snake", "camel", "local", "meaningless")

# (label, snake header, CamelCase header, generator)
COLUMNS = [
    (NONE, "row_id", "RowId", lambda g, r, i: i + 1),
    (DIRECT, "patient_id", "PatientId", lambda g, r, i: 4_100_000 + 13 * i),
    (DIRECT, "full_name", "FullName", lambda g, r, i: g["person"].full_name()),
    (DIRECT, "first_name", "FirstName", lambda g, r, i: g["person"].first_name()),
    (DIRECT, "last_name", "LastName", lambda g, r, i: g["person"].last_name()),
    (DIRECT, "email", "EmailAddress", lambda g, r, i: g["person"].email()),
    (DIRECT, "phone", "PhoneNumber", lambda g, r, i: g["person"].phone_number()),
    (DIRECT, "street_address", "StreetAddress", lambda g, r, i: g["address"].address()),
    (QUASI, "city", "City", lambda g, r, i: g["address"].city()),
    (QUASI, "postal_code", "PostalCode", lambda g, r, i: g["address"].postal_code()),
    (QUASI, "country", "Country", lambda g, r, i: r.choice(g["countries"])),
    (DIRECT, "latitude", "Latitude", lambda g, r, i: g["address"].latitude()),
    (DIRECT, "longitude", "Longitude", lambda g, r, i: g["address"].longitude()),
    (QUASI, "employer", "Employer", lambda g, r, i: r.choice(g["companies"])),
    (QUASI, "occupation", "Occupation", lambda g, r, i: r.choice(g["jobs"])),
    (QUASI, "date_of_birth", "DateOfBirth", lambda g, r, i: g["dob"](r)),
    (DIRECT, "card_number", "CardNumber", lambda g, r, i: g["payment"].credit_card_number()),
    (DIRECT, "card_cvv", "CardCvv", lambda g, r, i: int(g["payment"].cvv())),
    (DIRECT, "ip_address", "IpAddress", lambda g, r, i: g["internet"].ip_v4()),
    (QUASI, "website", "Website", lambda g, r, i: g["internet"].url()),
    (DIRECT, "device_uuid", "DeviceUuid", lambda g, r, i: str(g["crypto"].uuid())),
    (NONE, "visit_time", "VisitTime", lambda g, r, i: g["event"](r)),
    (NONE, "amount", "Amount", lambda g, r, i: round(r.lognormvariate(4, 1), 2)),
    (NONE, "quantity", "Quantity", lambda g, r, i: r.randint(1, 12)),
    (NONE, "category", "Category", lambda g, r, i: r.choice(g["categories"])),
    (NONE, "status", "Status", lambda g, r, i: r.choice(["open", "closed", "pending"])),
]
# Headers as someone writing in the locale's language would (not looked up in synthpriv).
LOCAL = {
    "de": "zeile kundennr name vorname nachname e_mail telefon strasse ort plz land "
    "breitengrad laengengrad arbeitgeber beruf geburtsdatum kartennummer pruefziffer "
    "ip_adresse webseite geraete_id besuchszeit betrag menge kategorie status",
    "fr": "ligne num_client nom_complet prenom nom courriel telephone adresse ville "
    "code_postal pays latitude longitude employeur profession date_de_naissance "
    "numero_carte cryptogramme adresse_ip site_web id_appareil heure_visite montant "
    "quantite categorie statut",
    "es": "fila id_paciente nombre_completo nombre apellidos correo telefono direccion ciudad "
    "codigo_postal pais latitud longitud empresa ocupacion fecha_nacimiento numero_tarjeta "
    "cvv direccion_ip sitio_web id_dispositivo hora_visita importe cantidad categoria estado",
    "pt-br": "linha codigoPaciente nomeCompleto primeiroNome sobrenome email telefone endereco "
    "cidade cep pais latitude longitude empregador profissao dataNascimento numeroCartao "
    "codigoSeguranca enderecoIp site idDispositivo horaVisita valor quantidade categoria "
    "situacao",
    "it": "riga id_paziente nome_completo nome cognome email telefono indirizzo citta cap "
    "paese latitudine longitudine datore_lavoro professione data_di_nascita numero_carta cvv "
    "indirizzo_ip sito_web id_dispositivo ora_visita importo quantita categoria stato",
    "nl": "regel patientnummer volledige_naam voornaam achternaam email telefoon adres "
    "woonplaats postcode land breedtegraad lengtegraad werkgever beroep geboortedatum "
    "kaartnummer cvc ip_adres website apparaat_id bezoektijd bedrag aantal categorie status",
}


def generators(locale: str, seed: int) -> dict:
    from mimesis import Address, Cryptographic, Finance, Internet, Payment, Person
    from mimesis.locales import Locale

    loc = Locale(locale)
    rng = random.Random(seed)
    person, address = Person(loc, seed=seed), Address(loc, seed=seed)
    finance, payment = Finance(loc, seed=seed), Payment(seed=seed)
    base = datetime(2024, 1, 1)
    return {
        "person": person,
        "address": address,
        "payment": payment,
        "internet": Internet(seed=seed),
        "crypto": Cryptographic(seed=seed),
        "companies": [finance.company() for _ in range(40)],
        "jobs": [person.occupation() for _ in range(60)],
        "countries": [address.country() for _ in range(15)],
        "categories": ["food", "travel", "health", "home", "fuel", "books", "toys"],
        "dob": lambda r: (datetime(1935, 1, 1) + timedelta(days=r.randint(0, 26_000))).date(),
        "event": lambda r: base + timedelta(minutes=r.randint(0, 400_000)),
        "rng": rng,
    }


def make_table(rows: int, locale: str, style: str, seed: int) -> tuple[pl.DataFrame, list[str]]:
    g = generators(locale, seed)
    rng = random.Random(seed)
    local = LOCAL.get(locale, "").split()
    data, truth = {}, []
    for i, (label, snake, camel, make) in enumerate(COLUMNS):
        if style == "meaningless":
            name = f"c{i}"
        elif style == "camel":
            name = camel
        elif style == "local":
            name = local[i] if local else snake
        else:
            name = snake
        data[name] = [make(g, rng, k) for k in range(rows)]
        truth.append(label)
    return pl.DataFrame(data, strict=False), truth


def synthpriv_predict(frame: pl.DataFrame, detector) -> list[dict]:
    from synthpriv.io import infer_types

    frame = infer_types(frame.with_columns(pl.all().cast(pl.String)))
    return [{"role": str(c.role)} for c in detector.detect(frame).columns]


def score(pairs: list[tuple[str, dict]]) -> dict:
    tp = sum(t == DIRECT and p["role"] in DIRECT_ROLES for t, p in pairs)
    fn = sum(t == DIRECT and p["role"] not in DIRECT_ROLES for t, p in pairs)
    fp = sum(t != DIRECT and p["role"] in DIRECT_ROLES for t, p in pairs)
    non_pii = [p for t, p in pairs if t == NONE]
    return {
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "non_pii_flagged": sum(p["role"] != "none" for p in non_pii),
        "non_pii": len(non_pii),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--structured-sample", type=int, default=400)
    parser.add_argument("--no-structured", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from synthpriv.pii.detector import ColumnDetector, DetectorSettings

    detector = ColumnDetector(DetectorSettings(nlp_model="none"))
    engine = None if args.no_structured else structured_engine()
    pooled: dict = defaultdict(list)
    misses = []
    seconds: dict = defaultdict(float)
    for seed, locale in enumerate(LOCALES):
        for style in STYLES:
            if style == "local" and locale not in LOCAL:
                continue
            frame, truth = make_table(args.rows, locale, style, seed)
            for tool in ("synthpriv",) + (() if engine is None else ("presidio_structured",)):
                start = time.perf_counter()
                if tool == "synthpriv":
                    predicted = synthpriv_predict(frame, detector)
                else:
                    predicted = structured_predict(frame, engine, args.structured_sample)
                seconds[tool] += time.perf_counter() - start
                pairs = list(zip(truth, predicted, strict=True))
                pooled[(tool, style)].extend(pairs)
                if tool == "synthpriv":
                    for column, (t, p) in zip(frame.columns, pairs, strict=True):
                        if (t == DIRECT) != (p["role"] in DIRECT_ROLES) or (
                            t == NONE and p["role"] != "none"
                        ):
                            misses.append(f"{locale:5} {style:11} {column}: {t} -> {p['role']}")
    results = {
        "generator": "mimesis",
        "locales": list(LOCALES),
        "rows": args.rows,
        "scores": {f"{tool}/{style}": score(pairs) for (tool, style), pairs in pooled.items()},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "misses_synthpriv": misses,
    }
    for key, s in results["scores"].items():
        print(
            f"{key:34} recall {s['recall']} precision {s['precision']} "
            f"non-PII flagged {s['non_pii_flagged']}/{s['non_pii']}"
        )
    if args.show_misses:
        print("\n".join(misses))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scan_accuracy.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
