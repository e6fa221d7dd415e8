"""Each recognizer: positives, near misses, and what a checksum or keyword rules out."""

import pytest

from synthpriv.pii.recognizers import (
    AccountNumberRecognizer,
    BrCpfRecognizer,
    HealthPlanIdRecognizer,
    Icd10CodeRecognizer,
    MedicalRecordNumberRecognizer,
    PersonNameRecognizer,
    PhoneKeywordRecognizer,
    PhoneShapeRecognizer,
    SpreadsheetNumberRecognizer,
    StreetAddressRecognizer,
    UsZipCodeRecognizer,
)


def spans(recognizer, text, min_score=0.3):
    return [
        text[r.start : r.end]
        for r in recognizer.analyze(text, [recognizer.supported_entities[0]], None)
        if r.score >= min_score
    ]


@pytest.mark.parametrize(
    ("recognizer", "text", "expected"),
    [
        (MedicalRecordNumberRecognizer(), "chart MRN1000003 reviewed", ["MRN1000003"]),
        (MedicalRecordNumberRecognizer(), "MRN-0042117", ["MRN-0042117"]),
        (MedicalRecordNumberRecognizer(), "order 1000003 shipped", []),
        (HealthPlanIdRecognizer(), "BCX081388382", ["BCX081388382"]),
        (HealthPlanIdRecognizer(), "SKU-1234", []),
        (Icd10CodeRecognizer(), "admitted with E11.9 and I10", ["E11.9", "I10"]),
        (Icd10CodeRecognizer(), "fracture S72.001A", ["S72.001A"]),
        (Icd10CodeRecognizer(), "code U07 is reserved", []),
        (PhoneShapeRecognizer(), "call (804)587-6769 now", ["(804)587-6769"]),
        (PhoneShapeRecognizer(), "+1-776-236-3374x35540", ["+1-776-236-3374x35540"]),
        (PhoneShapeRecognizer(), "398.978.8834", ["398.978.8834"]),
        (PhoneShapeRecognizer(), "invoice 2024-11-24", []),
        (PhoneShapeRecognizer(), "id 5825150733", []),
        (PhoneKeywordRecognizer(), "can be reached at 2666990853.", ["2666990853"]),
        (PhoneKeywordRecognizer(), "reached at 12345 today", []),
        (AccountNumberRecognizer(), "flagged for review, account 5825150733.", ["5825150733"]),
        (AccountNumberRecognizer(), "Acct #: 0042-117-88", ["0042-117-88"]),
        (AccountNumberRecognizer(), "account 12345", []),
        (AccountNumberRecognizer(), "5825150733", []),
        (
            StreetAddressRecognizer(),
            "lives at 18427 Perez Green Suite 459",
            ["18427 Perez Green Suite 459"],
        ),
        (StreetAddressRecognizer(), "12 Baker St.", ["12 Baker St."]),
        (StreetAddressRecognizer(), "took 12 tablets", []),
        (BrCpfRecognizer(), "CPF 014.873.692-04 ok", ["014.873.692-04"]),
        (BrCpfRecognizer(), "014.873.692-05", []),
        (BrCpfRecognizer(), "111.111.111-11", []),
        (SpreadsheetNumberRecognizer(), "2.70319E+15", ["2.70319E+15"]),
        (SpreadsheetNumberRecognizer(), "6.3E+11", ["6.3E+11"]),
        (SpreadsheetNumberRecognizer(), "1.5E+03", []),
    ],
)
def test_pattern_recognizers(recognizer, text, expected):
    assert spans(recognizer, text) == expected


def test_zip_needs_context():
    recognizer = UsZipCodeRecognizer()
    assert spans(recognizer, "07036") == []
    assert spans(recognizer, "07036", min_score=0.05) == ["07036"]
    assert spans(recognizer, "10001-2345") == ["10001-2345"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Samantha Leonard", [("Samantha Leonard", 0.85)]),
        ("Patient Brenda Rogers prefers email", [("Brenda Rogers", 0.85)]),
        ("Seen by Dr. Knox today", [("Dr. Knox", 0.75)]),
        ("Rogers, Brenda", [("Rogers, Brenda", 0.8)]),
        ("John Q. Zblorkt", [("John Q. Zblorkt", 0.6)]),
        ("brenda rogers", []),
        ("Pain controlled on oral analgesics.", []),
    ],
)
def test_person_names(text, expected):
    recognizer = PersonNameRecognizer()
    found = [(text[r.start : r.end], r.score) for r in recognizer.analyze(text, ["PERSON"], None)]
    assert found == expected


@pytest.mark.parametrize(
    ("cls", "text", "min_score", "expected"),
    [
        ("DeaNumberRecognizer", "DEA AB1234563 on file", 0.9, ["AB1234563"]),
        ("DeaNumberRecognizer", "AB1234564", 0.0, []),  # checksum fails
        ("VinRecognizer", "1HGCM82633A004352", 0.9, ["1HGCM82633A004352"]),
        ("VinRecognizer", "12345678901234567", 0.0, []),  # digits only: not a VIN
        ("SwiftBicRecognizer", "DEUTDEFF500", 0.3, ["DEUTDEFF500"]),
        ("SwiftBicRecognizer", "ABCDQQ12", 0.0, []),  # QQ is no country
        ("PlaceGazetteerRecognizer", "Boston", 0.5, ["Boston"]),
        ("PlaceGazetteerRecognizer", "Germany", 0.5, ["Germany"]),
        ("PlaceGazetteerRecognizer", "Reading is fun", 0.0, []),
    ],
)
def test_checksum_and_gazetteer_recognizers(cls, text, min_score, expected):
    import synthpriv.pii.recognizers as module

    assert spans(getattr(module, cls)(), text, min_score=min_score) == expected


@pytest.mark.parametrize(
    ("value", "entity"),
    [
        ("1234567893", "US_NPI"),  # Luhn over 80840 + number
        ("011000015", "ABA_ROUTING_NUMBER"),
        ("AB123456C", "UK_NINO"),
        ("130 692 544", "CA_SIN"),
    ],
)
def test_presidio_country_recognizers_are_registered(analyzers, value, entity):
    found = {
        r.entity_type for r in analyzers.structured.analyze(value, language="en") if r.score >= 0.3
    }
    assert entity in found


def test_chilean_rut_with_its_check_digit():
    from synthpriv.pii.recognizers import ClRutRecognizer

    recognizer = ClRutRecognizer()
    assert spans(recognizer, "RUT 12.345.678-5 on file") == ["12.345.678-5"]
    assert spans(recognizer, "12345678-5") == ["12345678-5"]
    assert spans(recognizer, "12.345.678-4") == []


def test_iban_shapes_with_wrong_check_digits_are_found_more_weakly():
    from synthpriv.pii.recognizers import IbanShapeRecognizer

    recognizer = IbanShapeRecognizer()
    valid = recognizer.analyze("DE89370400440532013000", ["IBAN_CODE"])
    mistyped = recognizer.analyze("DE83692717230008929368", ["IBAN_CODE"])
    assert [r.score for r in valid] == [1.0]
    assert [round(r.score, 2) for r in mistyped] == [0.6]
    assert recognizer.analyze("XX85692717230007823212", ["IBAN_CODE"]) == []  # no such country
    assert recognizer.analyze("AB12CDEFGHIJKLMNOP", ["IBAN_CODE"]) == []  # letters, not an account


def test_a_lone_given_name_where_a_sentence_starts_is_weak():
    from synthpriv.pii.recognizers.person_name import find_names

    assert [s for *_, s in find_names("Honey bee IgE Ab in Serum")] == [0.3]
    assert [s for *_, s in find_names("we met Anna there")] == [0.4]
