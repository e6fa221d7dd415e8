"""The column classifier, one failure kind per test, on small tables written here.

Names are typed by hand (not drawn from Faker, whose lists the detector also uses), from several
languages, so a test that passes does not only prove the dictionaries agree with themselves.
"""

import random
import uuid
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from synthpriv.pii.detector import ColumnDetector, DetectorSettings, sample_distinct
from synthpriv.schema import Kind, Role

GIVEN = [
    "Aoife",
    "Bartholomew",
    "Chiamaka",
    "Dagny",
    "Eitan",
    "Fionnuala",
    "Gustavo",
    "Hyun-woo",
    "Ingrid",
    "Jovana",
    "Kwame",
    "Leocadia",
    "Mateus",
    "Nkechi",
    "Oisin",
    "Priya",
    "Quentin",
    "Rosalind",
    "Siobhan",
    "Tadeusz",
    "Ulrike",
    "Valentim",
    "Wanjiru",
    "Xiomara",
    "Yusuf",
    "Zofia",
    "Anselm",
    "Berenike",
    "Caoimhe",
    "Dmitri",
    "Esperanza",
    "Florentyna",
    "Gwendolyn",
    "Horatio",
    "Isidora",
    "Joaquim",
    "Kiri",
    "Lucinda",
    "Mireille",
    "Natsuki",
]
SURNAMES = [
    "Okonkwo",
    "Nakamura",
    "Lindqvist",
    "Oyelaran",
    "Brzezinski",
    "Castellanos",
    "Haddad",
    "Fitzgerald",
    "Van der Berg",
    "Papadopoulos",
    "Kowalczyk",
    "Abernathy",
    "Delacroix",
    "Moreira",
    "Sorensen",
    "Achterberg",
    "Quiroga",
    "Bhattacharya",
    "Nwachukwu",
    "Szabo",
    "MacLeod",
    "O'Sullivan",
    "Yamamoto",
    "Villanueva",
    "Eriksson",
    "Gallagher",
    "Ferreira",
    "Schreiber",
    "Kaczmarek",
    "Mbeki",
    "Dubois",
    "Ivanova",
    "Rahman",
    "Tanaka",
    "Lefebvre",
    "Hernandez",
    "Novak",
    "Whitfield",
    "Ogunleye",
    "Marchetti",
]
N = 240


def _cycle(values, n=N, seed=0):
    rng = random.Random(seed)
    return [rng.choice(values) for _ in range(n)]


@pytest.fixture(scope="module")
def detector(analyzers):
    return ColumnDetector(DetectorSettings(nlp_model="none", budget=60), analyzers=analyzers)


def roles(detector, frame):
    return {c.name: (c.role, c.entity_types[:1]) for c in detector.detect(frame).columns}


def test_surname_only_columns_are_names_when_the_header_says_so(detector):
    frame = pl.DataFrame(
        {
            header: _cycle(SURNAMES, seed=i)
            for i, header in enumerate(
                ["lname", "Surname", "maiden_name", "Nachname", "Apellidos", "Nom"]
            )
        }
    )
    for name, (role, entities) in roles(detector, frame).items():
        assert (role, entities) == (Role.DIRECT_IDENTIFIER, ["PERSON"]), name


def test_titanic_style_full_names_are_names_not_free_text(detector):
    rng = random.Random(1)
    titles = ["Mr.", "Mrs.", "Miss.", "Master.", "Dr.", "Rev."]
    values = []
    for i in range(N):
        name = (
            f"{rng.choice(SURNAMES)}, {rng.choice(titles)} {rng.choice(GIVEN)} {rng.choice(GIVEN)}"
        )
        if i % 4 == 0:
            name += f" ({rng.choice(GIVEN)} {rng.choice(SURNAMES)})"
        values.append(name)
    info = detector.detect_column(pl.Series("Name", values))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["PERSON"])


def test_names_in_other_languages_with_meaningless_headers(detector):
    rng = random.Random(2)
    full = [
        f"{rng.choice(GIVEN)} {rng.choice(['da', 'de', 'del'])} {rng.choice(SURNAMES)}"
        for _ in range(N)
    ]
    frame = pl.DataFrame({"c0": full, "c1": _cycle(GIVEN, seed=3), "c2": _cycle(SURNAMES, seed=4)})
    for name, (role, entities) in roles(detector, frame).items():
        assert (role, entities) == (Role.DIRECT_IDENTIFIER, ["PERSON"]), name


def test_a_surname_beside_a_given_name_column_is_a_name(detector):
    rare = [f"{s}{suffix}" for s in SURNAMES for suffix in ("ova", "ek", "ian")]  # few in lists
    frame = pl.DataFrame({"first_name": _cycle(GIVEN), "c1": _cycle(rare, seed=5)})
    assert roles(detector, frame)["c1"] == (Role.DIRECT_IDENTIFIER, ["PERSON"])


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("CustomerId", [15_600_000 + 7 * i for i in range(N)], Role.DIRECT_IDENTIFIER),
        ("PassengerId", list(range(1, N + 1)), Role.DIRECT_IDENTIFIER),
        ("EmpID", [f"E{i:05d}" for i in range(N)], Role.DIRECT_IDENTIFIER),
        ("id", list(range(1, N + 1)), Role.DIRECT_IDENTIFIER),
        ("c3", list(range(1, N + 1)), Role.DIRECT_IDENTIFIER),
        ("RowNumber", list(range(1, N + 1)), Role.NONE),
        ("Index", list(range(N)), Role.NONE),
        ("Unnamed: 0", list(range(N)), Role.NONE),
        ("unix_time", [1_600_000_000 + 37 * i for i in range(N)], Role.NONE),
    ],
)
def test_keys_and_row_counters(detector, header, values, expected):
    info = detector.detect_column(pl.Series(header, values))
    assert info.role == expected, info.evidence
    if expected == Role.DIRECT_IDENTIFIER:
        assert info.entity_types[0] == "ID"


def test_integers_a_float_column_holds_are_read_as_the_integers_they_are(detector):
    """pandas writes an integer column with a missing cell as floats: a user ID as
    2281181600.0 (or, past 2**53, 8.405478643549184e+17), a ZIP code as 42420.0. Read as
    floats, both passed as harmless numbers and were copied into the synthetic table."""
    users = _cycle([2281181600.0, 47384430.0, 3105440746.0, 8.405478643549184e17] * 10)
    users = [u + i * 1000.0 if i < 30 else u for i, u in enumerate(users)]
    with_gaps = [None if i % 3 else u for i, u in enumerate(users)]
    info = detector.detect_column(pl.Series("in_reply_to_user_id", with_gaps))
    assert (info.role, info.entity_types) == (Role.DIRECT_IDENTIFIER, ["ID"]), info.evidence
    zips = detector.detect_column(
        pl.Series("Postal_Code", _cycle([42420.0, 90036.0, 33311.0, 10024.0, 98103.0, 19140.0]))
    )
    assert (zips.role, zips.entity_types) == (Role.QUASI_IDENTIFIER, ["ZIP_CODE"]), zips.evidence
    prices = detector.detect_column(pl.Series("price", _cycle([10.0, 12.5, 99.0, 3.25])))
    assert prices.role == Role.NONE and prices.evidence["values"]["value_class"] == "float"


def test_uuid_foreign_keys_to_a_person_table(detector):
    patients = [str(uuid.UUID(int=random.Random(i).getrandbits(128))) for i in range(40)]
    info = detector.detect_column(pl.Series("c5", _cycle(patients)))
    assert (info.role, info.entity_types) == (Role.DIRECT_IDENTIFIER, ["ID"])


def test_coordinates_by_header_and_as_an_unnamed_pair(detector):
    rng = random.Random(6)
    lat = [round(rng.uniform(25, 48), 6) for _ in range(N)]
    lon = [round(rng.uniform(-124, -70), 6) for _ in range(N)]
    named = roles(detector, pl.DataFrame({"merch_lat": lat, "merch_long": lon}))
    assert named == {
        "merch_lat": (Role.DIRECT_IDENTIFIER, ["GEO_COORDINATE"]),
        "merch_long": (Role.DIRECT_IDENTIFIER, ["GEO_COORDINATE"]),
    }
    unnamed = roles(detector, pl.DataFrame({"c0": lat, "c1": lon}))
    assert unnamed["c0"] == unnamed["c1"] == (Role.DIRECT_IDENTIFIER, ["GEO_COORDINATE"])
    amounts = roles(detector, pl.DataFrame({"c0": [x * 100 for x in lat], "c1": lon}))
    assert amounts["c0"][0] == Role.NONE


def test_card_numbers_mangled_by_a_spreadsheet_and_card_context(detector):
    rng = random.Random(7)
    cards = [
        f"{rng.randint(1, 9)}.{rng.randint(10000, 99999)}E+{rng.choice([15, 18, 12])}"
        for _ in range(N)
    ]
    frame = pl.DataFrame(
        {
            "cc_num": cards,
            "cvv": [rng.randint(100, 999) for _ in range(N)],
            "exp": [f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}" for _ in range(N)],
        }
    )
    found = roles(detector, frame)
    assert found["cc_num"][0] == found["cvv"][0] == found["exp"][0] == Role.DIRECT_IDENTIFIER
    alone = detector.detect(frame.select("exp")).columns[0]
    assert alone.role == Role.NONE
    unnamed = detector.detect_column(pl.Series("c9", cards))
    assert (unnamed.role, unnamed.entity_types) == (Role.DIRECT_IDENTIFIER, ["LONG_NUMBER"])


def test_false_alarms_of_the_first_version(detector):
    rng = random.Random(8)
    companies = [f"{rng.choice(SURNAMES)}-{rng.choice(SURNAMES)}" for _ in range(N // 2)] + [
        f"{rng.choice(SURNAMES)} {rng.choice(['LLC', 'Group', 'and Sons', 'Ltd'])}"
        for _ in range(N // 2)
    ]
    start = datetime(2023, 1, 1)
    frame = pl.DataFrame(
        {
            "Company": companies,
            "job_title": _cycle(["Nurse", "Engineer, civil", "Teacher", "Chef", "Pilot"]),
            "Website": [
                f"https://www.{s.lower().replace(' ', '')}{i}.example"
                for i, s in enumerate(_cycle(SURNAMES))
            ],
            "email_domain": _cycle(["mail.example", "corp.example", "uni.example"]),
            "vehicle": _cycle(["Corolla", "Civic", "Model 3", "Golf", "Clio", "Octavia"]),
            "Cabin": [f"{rng.choice('ABCDE')}{rng.randint(1, 140)}" for _ in range(N)],
            "created_at": [start + timedelta(minutes=37 * i) for i in range(N)],
        }
    )
    found = roles(detector, frame)
    assert found["Company"] == (Role.QUASI_IDENTIFIER, ["ORGANIZATION"])
    assert found["job_title"] == (Role.QUASI_IDENTIFIER, ["OCCUPATION"])
    assert found["Website"] == (Role.QUASI_IDENTIFIER, ["URL"])
    assert found["email_domain"] == (Role.QUASI_IDENTIFIER, ["URL"])
    assert found["vehicle"][0] == Role.NONE
    assert found["Cabin"] == (Role.QUASI_IDENTIFIER, ["ROOM_NUMBER"])
    assert found["created_at"] == (Role.NONE, ["DATE_TIME"])


def test_dates_of_birth_by_header_and_by_spread(detector):
    rng = random.Random(9)
    births = [date(1930, 1, 1) + timedelta(days=rng.randint(0, 27_000)) for _ in range(N)]
    events = [date(2022, 1, 1) + timedelta(days=rng.randint(0, 700)) for _ in range(N)]
    frame = pl.DataFrame({"dob": births, "c1": births, "c2": events})
    found = roles(detector, frame)
    assert found["dob"] == found["c1"] == (Role.QUASI_IDENTIFIER, ["DATE_OF_BIRTH"])
    assert found["c2"] == (Role.NONE, ["DATE_TIME"])


def test_an_unexplained_varied_text_column_is_marked_for_review(detector):
    rng = random.Random(10)
    first = ["amber", "quiet", "north", "silver", "brisk", "hollow", "velvet", "crimson", "lucky"]
    second = ["falcon", "river", "meadow", "anchor", "lantern", "harbor", "thistle", "quarry"]
    values = [f"{rng.choice(first)} {rng.choice(second)} {rng.choice(first)}" for _ in range(N)]
    info = detector.detect_column(pl.Series("c4", values))
    assert info.role == Role.DIRECT_IDENTIFIER and info.review
    assert info.entity_types == ["UNEXPLAINED_TEXT"]
    few = detector.detect_column(pl.Series("c4", _cycle(["north", "south", "east", "west"])))
    assert few.role == Role.NONE and few.review is None


def test_values_contradicting_the_header(detector):
    optin = detector.detect_column(pl.Series("email", _cycle(["Y", "N"])))
    assert optin.role != Role.DIRECT_IDENTIFIER
    city_population = detector.detect_column(pl.Series("city_pop", [1000 + i for i in range(N)]))
    assert city_population.role == Role.NONE
    ssns = [f"{100 + i % 600:03d}-{10 + i % 80:02d}-{1000 + i:04d}" for i in range(N)]
    notes = detector.detect_column(pl.Series("reference", ssns))
    assert (notes.role, notes.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["US_SSN"])


def test_every_decision_keeps_its_evidence(detector):
    info = detector.detect_column(pl.Series("lname", _cycle(SURNAMES)))
    evidence = info.evidence
    assert evidence["decided_by"] and evidence["header"]["concepts"] == ["person_name"]
    assert 0.9 <= evidence["values"]["name_like"] <= 1.0
    assert evidence["concept"] == "person_name"


def test_free_text_and_mixed_contact_columns(detector):
    rng = random.Random(11)
    frame = pl.DataFrame(
        {
            "note": [
                f"Patient {rng.choice(GIVEN)} {rng.choice(SURNAMES)} called from "
                f"(555) 01{i % 10}-{1000 + i} about results."
                for i in range(N)
            ],
            "comment": ["Vitals stable overnight, continue current medication plan."] * N,
            "contact": [
                f"user{i}@mail.com" if i % 2 else f"(555) 01{i % 10}-{2000 + i}" for i in range(N)
            ],
        }
    )
    schema = detector.detect(frame)
    assert schema["note"].role == Role.FREE_TEXT_PII and schema["note"].kind == Kind.TEXT
    assert schema["comment"].role == Role.NONE
    assert schema["contact"].role == Role.DIRECT_IDENTIFIER
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(schema["contact"].entity_types)


def test_examples_are_masked(detector):
    frame = pl.DataFrame(
        {"lname": _cycle(SURNAMES), "email": [f"p{i}@x.example" for i in range(N)]}
    )
    raw = set(frame["lname"].to_list()) | set(frame["email"].to_list())
    for column in detector.detect(frame).columns:
        assert column.examples and not set(column.examples) & raw


def test_repeated_category_codes_are_not_identifiers(detector):
    codes = pl.Series("purpose", ["A40", "A41", "A42", "A43", "A44", "A45"] * 50)
    info = detector.detect_column(codes)
    assert info.role != Role.DIRECT_IDENTIFIER


def test_sampling_is_bounded_and_seeded():
    series = pl.Series("x", [str(i) for i in range(10_000)] * 3)
    first = sample_distinct(series, 50, seed=1)
    assert len(first) == 50 and len(set(first)) == 50
    assert sample_distinct(series, 50, seed=1) == first
    assert sample_distinct(series, 50, seed=2) != first


# ------------------------------------------------------------------ what real exports showed

THREE = ["Hélène Dupré", "Tadeusz Okonkwo", "Siobhan Nakamura"]


@pytest.mark.parametrize("header", ["nom", "attending_physician", "advisor", "c7"])
def test_a_few_full_names_repeated_are_still_names(detector, header):
    """A ward's three physicians over 400 rows: a person's name however often it repeats."""
    frame = pl.DataFrame({header: [THREE[i % 3] for i in range(400)], "n": list(range(400))})
    info = detector.detect(frame)[header]
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["PERSON"])


def test_a_few_repeated_words_that_are_not_names_stay_categories(detector):
    frame = pl.DataFrame({"c7": [["Active", "Closed", "Pending"][i % 3] for i in range(400)]})
    assert detector.detect(frame)["c7"].role == Role.NONE


@pytest.mark.parametrize(
    ("header", "write"),
    [
        ("first_name", lambda g, s, i: f"{g}{i % 900 + 1}"),  # Anna123, as Synthea writes
        ("c1", lambda g, s, i: f"{g}{i % 97 + 1} {s}{i % 13 + 1}"),
        ("c2", lambda g, s, i: f"{g} {s}".upper()),
        ("c3", lambda g, s, i: f"{g} {s}".lower()),
    ],
    ids=["digits_appended", "both_with_digits", "capitals", "lower_case"],
)
def test_names_as_generators_and_databases_write_them(detector, header, write):
    common_given = ["Mary", "Patricia", "Linda", "Barbara", "Elizabeth", "James", "Robert", "John"]
    common_surnames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis"]
    rng = random.Random(3)
    values = [write(rng.choice(common_given), rng.choice(common_surnames), i) for i in range(N)]
    info = detector.detect_column(pl.Series(header, values))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["PERSON"]), info.evidence


@pytest.mark.parametrize(
    ("header", "values", "entity"),
    [
        ("PAYER", "uuid", "ENTITY_KEY"),
        ("ORGANIZATION", "uuid", "ENTITY_KEY"),
        ("address_id", "ints", "ENTITY_KEY"),
        ("merchant_id", "ints", "ENTITY_KEY"),
        ("RowNumber", "ints", "ROW_COUNTER"),
    ],
)
def test_keys_of_other_things_and_counters_are_named_not_flagged(detector, header, values, entity):
    """Keys of organisations, payers, addresses and row counters are nobody's identifier; the
    schema still says what they are."""
    if values == "uuid":
        data = _cycle([str(uuid.UUID(int=random.Random(i).getrandbits(128))) for i in range(30)])
    else:
        data = list(range(1, N + 1))
    info = detector.detect_column(pl.Series(header, data))
    assert (info.role, info.entity_types[:1]) == (Role.NONE, [entity]), info.evidence


@pytest.mark.parametrize("header", ["staff_id", "reportsTo", "ManagerID"])
def test_keys_of_people_are_identifiers_however_often_they_repeat(detector, header):
    info = detector.detect_column(pl.Series(header, [1, 2] * 200))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["ID"]), info.evidence


@pytest.mark.parametrize(
    ("header", "values"),
    [
        (
            "photo",
            [f"0x151C2F00020000000D000E00{i:04X}002100FFFFFFFF4269746D6170" for i in range(9)],
        ),
        ("photoPath", ["http://accweb/emmployees/davolio.bmp", "http://accweb/e/fuller.bmp"]),
    ],
)
def test_photographs_are_direct_identifiers(detector, header, values):
    info = detector.detect_column(pl.Series(header, values))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["PHOTO"])


def test_all_capital_compound_headers_are_split():
    from synthpriv.pii.headers import interpret_header

    assert [c.name for c in interpret_header("OWNERNAME").concepts] == ["person_name"]
    assert [c.name for c in interpret_header("endereco_cidade").concepts] == ["place"]
    assert [c.name for c in interpret_header("username").concepts] == ["username"]


def test_places_as_exports_write_them():
    from synthpriv.pii.recognizers.place_gazetteer import place_like

    assert place_like("Omaha  Nebraska  US") and place_like("Halifax MA US")
    assert place_like("Buffalo County") and place_like("Boston")
    assert not place_like("Siobhan Nakamura") and not place_like("Mary Smith")


@pytest.mark.parametrize(
    ("header", "values", "entity"),
    [
        (
            "user_agent",
            [
                f"Mozilla/5.0 (X11; Linux x86_64) Chrome/{100 + i}.0.{4000 + i}.{i} Safari/537.36"
                for i in range(N)
            ],
            "USER_AGENT",
        ),
        (
            "c4",
            [f"Mozilla/5.0 (Windows NT 10.0) Chrome/{100 + i}.0.{4000 + i}.{i}" for i in range(N)],
            "USER_AGENT",
        ),
        ("phone_country_code", _cycle(["+1", "+44", "+49", "+33", "+91"]), "PHONE_COUNTRY_CODE"),
    ],
)
def test_devices_and_dialling_codes_are_not_peoples_identifiers(detector, header, values, entity):
    info = detector.detect_column(pl.Series(header, values))
    assert (info.role, info.entity_types[:1]) == (Role.QUASI_IDENTIFIER, [entity]), info.evidence


# ---------------------------------------------- what the second corpus (pii-dev2) taught, blind


def _rut_body(rng):
    return str(rng.randrange(3_000_000, 27_000_000))


def test_a_rut_with_its_check_digit_in_another_column_is_a_national_id(detector):
    from synthpriv.pii.recognizers.cl_rut import rut_check_digit

    rng = random.Random(3)
    bodies = [_rut_body(rng) for _ in range(N)]
    table = pl.DataFrame(
        {
            "c0": [int(b) for b in bodies],
            "c1": [rng.randrange(0, 5000) for _ in range(N)],
            "c2": [rut_check_digit(b) for b in bodies],
        }
    )
    assert roles(detector, table)["c0"] == (Role.DIRECT_IDENTIFIER, ["CL_RUT"])
    assert rut_check_digit("12345678") == "5" and rut_check_digit("5126663") == "3"
    # the same numbers beside digits that do not check: no RUT (one row in eleven agrees)
    table = table.with_columns(pl.Series("c2", [str(rng.randrange(10)) for _ in range(N)]))
    assert roles(detector, table)["c0"][1] != ["CL_RUT"]


def test_ibans_with_wrong_check_digits_and_the_account_inside_them(detector):
    from synthpriv.pii.recognizers.iban_shape import mod97_holds

    rng = random.Random(5)
    banks = [f"{rng.randrange(10**7, 10**8)}" for _ in range(4)]
    accounts = [rng.randrange(10**6, 10**9) for _ in range(40)]
    bank_of = [rng.choice(banks) for _ in accounts]
    ibans = [
        f"DE{rng.randrange(10, 99)}{b}{a:010d}" for a, b in zip(accounts, bank_of, strict=True)
    ]
    assert sum(mod97_holds(i) for i in ibans) < 10  # mostly invalid, as typed test data is
    table = pl.DataFrame({"c0": accounts, "c1": [int(b) for b in bank_of], "c2": ibans})
    found = roles(detector, table)
    assert found["c2"] == (Role.DIRECT_IDENTIFIER, ["IBAN_CODE"])
    assert found["c0"] == (Role.DIRECT_IDENTIFIER, ["BANK_ACCOUNT"])
    assert found["c1"][0] != Role.DIRECT_IDENTIFIER  # the bank's code sits inside, not at the end


def test_binary_objects_are_identifiers_and_hashes_stay_keys(detector):
    blob = "0x151C2F00020000000D000E0014002100FFFFFFFF4269746D617020496D616765" * 3
    photos = [blob + f"{i % 3:04X}" for i in range(12)]  # three distinct, each repeated
    info = detector.detect_column(pl.Series("c5", photos))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["BINARY_OBJECT"])
    hashes = [uuid.UUID(int=random.Random(i).getrandbits(128)).hex * 2 for i in range(N)]
    info = detector.detect_column(pl.Series("c6", hashes))
    assert info.role == Role.DIRECT_IDENTIFIER and "BINARY_OBJECT" not in info.entity_types


def test_a_small_table_numbered_without_gaps_has_a_key(detector):
    info = detector.detect_column(pl.Series("c0", list(range(1, 10))))
    assert (info.role, info.entity_types[:1]) == (Role.DIRECT_IDENTIFIER, ["ID"])
    gaps = [1, 2, 3, 5, 8, 9, 11, 14, 17, 21, 22, 25]  # twelve numbers out of 25: not a numbering
    assert detector.detect_column(pl.Series("c0", gaps)).role == Role.NONE
    assert detector.detect_column(pl.Series("c0", [1, 2, 3, 4])).role == Role.NONE


def test_a_number_column_pointing_at_the_tables_people_is_a_persons_key(detector):
    table = pl.DataFrame(
        {
            "PERS_NR": [1, 2, 3, 4, 6, 7, 9, 10, 12, 14, 15, 20],
            "NACHNAME": ["Breuer", "Mayer", "Suhr", "Kunz", "Vogt", "Roth"] * 2,
            "VORG_NR": [None, 1, 1, 2, 2, 2, 3, 3, 1, 4, 4, 1],
            "LAGER_NR": [31, 32, 33, 31, 32, 33, 31, 32, 33, 31, 32, 33],
        }
    )
    found = roles(detector, table)
    assert found["PERS_NR"] == (Role.DIRECT_IDENTIFIER, ["ID"])
    assert found["VORG_NR"] == (Role.DIRECT_IDENTIFIER, ["ID"])
    assert found["LAGER_NR"][0] == Role.NONE  # numbers outside the people's keys: a thing's


@pytest.mark.parametrize(
    "regions",
    [
        ["Maryland", "North Carolina", "Georgia", "Virginia", "Florida", "Texas", "Ohio", "Utah"],
        ["Ceará", "Rio Grande do Norte", "Amazonas", "Distrito Federal", "Espírito Santo", "Bahia"],
        ["Bayern", "Hessen", "Sachsen", "Brandenburg", "Niedersachsen", "Thüringen", "Saarland"],
    ],
)
def test_states_and_provinces_are_places_not_names(detector, regions):
    info = detector.detect_column(pl.Series("c3", _cycle(regions)))
    assert info.role == Role.QUASI_IDENTIFIER and "PERSON" not in info.entity_types, info.evidence


def test_job_titles_are_occupations_not_unexplained_text(detector):
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(11)
    info = detector.detect_column(pl.Series("c9", [fake.job() for _ in range(N)]))
    assert (info.role, info.entity_types[:1]) == (Role.QUASI_IDENTIFIER, ["OCCUPATION"])


def test_a_nearly_unique_measurement_is_not_a_key(detector):
    rng = random.Random(2)
    rates = [rng.randrange(2_000, 27_000) for _ in range(1470)]
    assert 0.95 <= len(set(rates)) / len(rates) < 0.99
    assert detector.detect_column(pl.Series("c7", rates)).role != Role.DIRECT_IDENTIFIER
    keys = rng.sample(range(10_000, 99_999), 1470)
    assert detector.detect_column(pl.Series("c7", keys)).role == Role.DIRECT_IDENTIFIER


def _clock_at(monkeypatch, year: int) -> None:
    """Move the clock to ``year``: ``date.today()`` and ``datetime.now()`` wherever they are read.

    Patched in the ``datetime`` module and in every loaded synthpriv module that imported the
    classes by name, so a clock read anywhere in the scan sees the year given.
    """
    import datetime as dt
    import sys

    real_date, real_datetime = dt.date, dt.datetime
    shift = real_date(year, 6, 1) - real_date.today()

    class FrozenDate(real_date):
        @classmethod
        def today(cls):
            return cls.fromordinal((real_date.today() + shift).toordinal())

    class FrozenDatetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + shift

        @classmethod
        def today(cls):
            return real_datetime.today() + shift

    for name, module in list(sys.modules.items()):
        if name.startswith("synthpriv"):
            for attr, real, fake in (
                ("date", real_date, FrozenDate),
                ("datetime", real_datetime, FrozenDatetime),
            ):
                if getattr(module, attr, None) is real:
                    monkeypatch.setattr(module, attr, fake)
    monkeypatch.setattr(dt, "date", FrozenDate)
    monkeypatch.setattr(dt, "datetime", FrozenDatetime)


def test_reading_dates_as_births_does_not_depend_on_the_day_it_runs(detector, monkeypatch):
    from synthpriv.pii.profile import birth_dates_likely, profile_column

    rng = random.Random(11)
    older = [date(1975, 1, 1) + timedelta(days=rng.randint(0, 365 * 12)) for _ in range(60)]
    recent = [date(2008, 1, 1) + timedelta(days=rng.randint(0, 365 * 18)) for _ in range(N)]
    column = pl.Series("c3", older + recent)
    years = column.dt.year()
    # a column on the edge: against the clock, births in 2028 and events in 2026
    assert (years.median(), years.max()) == (2013, 2025)
    decisions = []
    for year in (2026, 2028, 2040):
        with monkeypatch.context() as patched:
            _clock_at(patched, year)
            import datetime as dt

            assert dt.date.today().year == year  # the clock did move
            info = detector.detect_column(column)
            decisions.append(
                (birth_dates_likely(profile_column(column, [])), info.role, info.entity_types)
            )
    assert decisions[0] == decisions[1] == decisions[2]
    assert decisions[0] == (False, Role.NONE, ["DATE_TIME"])
