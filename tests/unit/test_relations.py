"""Keys and links found from the values of linked tables; the split that keeps a person whole."""

from __future__ import annotations

import logging
import re

import polars as pl
import pytest

from synthpriv.relations import Link, discover, names_table, split_by_root
from tests.conftest import SHARED_DATA

MIMIC = SHARED_DATA / "relational-dev" / "mimic3-demo"


def _hospital(patients: int = 60) -> dict[str, pl.DataFrame]:
    """Patients, their admissions (1-3 each) and each admission's diagnoses, with row counters."""
    subject = [1000 + 7 * i for i in range(patients)]
    admissions = [
        (s, 50_000 + 11 * (3 * i + j)) for i, s in enumerate(subject) for j in range(i % 3 + 1)
    ]
    diagnoses = [(s, h, k) for s, h in admissions for k in range(1, h % 4 + 2)]
    return {
        "PATIENTS": pl.DataFrame(
            {
                "ROW_ID": range(1, patients + 1),
                "SUBJECT_ID": subject,
                "GENDER": ["F" if i % 2 else "M" for i in range(patients)],
                "AGE": [20 + i % 60 for i in range(patients)],
            }
        ),
        "ADMISSIONS": pl.DataFrame(
            {
                "ROW_ID": range(1, len(admissions) + 1),
                "SUBJECT_ID": [s for s, _ in admissions],
                "HADM_ID": [h for _, h in admissions],
                "TYPE": ["EMERGENCY" if h % 3 else "ELECTIVE" for _, h in admissions],
            }
        ),
        "DIAGNOSES_ICD": pl.DataFrame(
            {
                "ROW_ID": range(1, len(diagnoses) + 1),
                "SUBJECT_ID": [s for s, _, _ in diagnoses],
                "HADM_ID": [h for _, h, _ in diagnoses],
                "SEQ_NUM": [k for _, _, k in diagnoses],
                "ICD9_CODE": [f"{400 + k * 7}" for _, _, k in diagnoses],
            }
        ),
    }


def _by(relations, child, column):
    return next(k for k in relations.links if (k.child, k.column) == (child, column))


def test_keys_links_and_root_are_found_without_any_config():
    relations = discover(_hospital())
    assert relations.keys == {
        "PATIENTS": "SUBJECT_ID",
        "ADMISSIONS": "HADM_ID",
        "DIAGNOSES_ICD": "ROW_ID",
    }
    assert relations.root == "PATIENTS"
    assert relations.parent_of("ADMISSIONS") == Link(
        "ADMISSIONS", "SUBJECT_ID", "PATIENTS", "SUBJECT_ID"
    )
    # a diagnosis belongs to its admission; its patient column repeats the admission's
    assert relations.parent_of("DIAGNOSES_ICD") == Link(
        "DIAGNOSES_ICD", "HADM_ID", "ADMISSIONS", "HADM_ID"
    )
    assert _by(relations, "DIAGNOSES_ICD", "SUBJECT_ID").kind == "implied"
    assert relations.order() == ["PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD"]
    # the row counters (1..n in every table) link nothing, and small integers (AGE, SEQ_NUM)
    # inside another table's 1..n are not pointers
    assert {k.column for k in relations.links} == {"SUBJECT_ID", "HADM_ID"}
    assert relations.warnings == ()
    written = relations.to_dict()
    assert written["links"][0]["evidence"]["found_in_parent"] == 1.0
    assert written["order"] == ["PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD"]


def test_values_decide_when_the_headers_say_nothing():
    customers = pl.DataFrame({"a": [f"C{i:05d}" for i in range(40)], "b": list(range(40))})
    orders = pl.DataFrame(
        {"x": [f"C{i % 40:05d}" for i in range(0, 200, 3)], "y": list(range(0, 200, 3))}
    )
    relations = discover({"customers": customers, "orders": orders})
    assert relations.keys["customers"] == "a"
    assert relations.parent_of("orders") == Link("orders", "x", "customers", "a")
    assert relations.root == "customers"


def test_a_broken_link_is_a_warning_naming_table_and_column(caplog):
    tables = _hospital()
    broken = tables["ADMISSIONS"].with_columns(
        pl.when(pl.col("ROW_ID") <= 2)
        .then(99_999)
        .otherwise(pl.col("SUBJECT_ID"))
        .alias("SUBJECT_ID")
    )
    relations = discover(tables | {"ADMISSIONS": broken})
    link = relations.parent_of("ADMISSIONS")
    assert (link.parent, link.evidence["orphans"]) == ("PATIENTS", 1)
    assert relations.warnings == (
        "table 'ADMISSIONS' column 'SUBJECT_ID': 1 value(s) point to no row of 'PATIENTS' "
        "('SUBJECT_ID')",
    )
    # the orphan admissions stay in training, with nobody's history
    parts = split_by_root(tables | {"ADMISSIONS": broken}, relations, 0.5, 0)
    assert parts["ADMISSIONS"][0].filter(pl.col("SUBJECT_ID") == 99_999).height == 2


def test_a_nullable_pointer_to_a_sibling_is_a_secondary_link():
    tables = _hospital()
    stays = (
        tables["ADMISSIONS"]
        .filter(pl.col("ROW_ID") % 2 == 0)
        .select(pl.col("HADM_ID"), (pl.col("HADM_ID") * 10).alias("ICUSTAY_ID"))
    )
    diagnoses = tables["DIAGNOSES_ICD"].join(stays, on="HADM_ID", how="left")
    relations = discover(tables | {"ICUSTAYS": stays, "DIAGNOSES_ICD": diagnoses})
    assert relations.keys["ICUSTAYS"] == "ICUSTAY_ID"
    assert relations.parent_of("DIAGNOSES_ICD").parent == "ADMISSIONS"
    assert _by(relations, "DIAGNOSES_ICD", "ICUSTAY_ID").kind == "secondary"


def test_given_relations_override_what_the_values_say():
    tables = _hospital()
    relations = discover(
        tables,
        {
            "primary_keys": {"PATIENTS": "ROW_ID"},
            "links": [
                {"child": "ADMISSIONS", "column": "ROW_ID", "parent": "PATIENTS", "key": "ROW_ID"}
            ],
            "root": "PATIENTS",
        },
    )
    assert relations.keys["PATIENTS"] == "ROW_ID"
    assert _by(relations, "ADMISSIONS", "ROW_ID").evidence == {"given": True}


def test_one_persons_rows_never_straddle_training_and_holdout():
    tables = _hospital(200)
    relations = discover(tables)
    parts = split_by_root(tables, relations, 0.25, seed=4)
    train_people = set(parts["PATIENTS"][0].get_column("SUBJECT_ID"))
    held_people = set(parts["PATIENTS"][1].get_column("SUBJECT_ID"))
    assert not train_people & held_people and 30 <= len(held_people) <= 70
    for table in ("ADMISSIONS", "DIAGNOSES_ICD"):
        train, holdout = parts[table]
        assert set(train.get_column("SUBJECT_ID")) <= train_people
        assert set(holdout.get_column("SUBJECT_ID")) <= held_people
        assert train.height + holdout.height == tables[table].height
        assert train.columns == tables[table].columns
    again = split_by_root(tables, relations, 0.25, seed=4)
    assert again["DIAGNOSES_ICD"][1].equals(parts["DIAGNOSES_ICD"][1])
    other = split_by_root(tables, relations, 0.25, seed=5)
    assert set(other["PATIENTS"][1].get_column("SUBJECT_ID")) != held_people


def test_a_key_read_as_numbers_links_to_the_same_key_read_as_text():
    from synthpriv.relations import held_out, persons

    people = pl.DataFrame({"pid": list(range(100, 160))})
    visits = pl.DataFrame({"vid": list(range(600)), "pid": [100 + i % 60 for i in range(600)]})
    relations = discover({"people": people, "visits": visits})
    assert [(k.child, k.column, k.parent) for k in relations.links] == [("visits", "pid", "people")]
    as_text = {"people": people, "visits": visits.with_columns(pl.col("pid").cast(pl.String))}
    for frames in ({"people": people, "visits": visits}, as_text):
        flags = held_out(frames, relations, 0.3, seed=1)
        held = set(people.filter(flags["people"]).get_column("pid"))
        assert 5 < len(held) < 40
        assert set(visits.filter(flags["visits"]).get_column("pid")) == held
        owner = persons(frames, relations)["visits"]
        assert owner.to_list() == [str(100 + i % 60) for i in range(600)]


def test_table_names_as_columns_name_them():
    assert names_table("patient_id", "patients") and names_table("AccountNo", "account")
    assert names_table("category_key", "categories") and not names_table("visit_id", "patients")


@pytest.mark.skipif(not MIMIC.is_dir(), reason=f"relational corpus not here: {MIMIC}")
def test_the_mimic_demo_keys_are_the_ones_its_readme_states():
    from synthpriv.io import load_table

    logging.disable(logging.WARNING)  # the spreadsheet dates are warned about, by name
    try:
        frames = {p.stem: load_table(p).frame for p in sorted(MIMIC.glob("*.csv"))}
    finally:
        logging.disable(logging.NOTSET)
    relations = discover(frames)
    assert relations.root == "PATIENTS" and relations.warnings == ()
    assert {t: relations.keys[t] for t in ("PATIENTS", "ADMISSIONS", "ICUSTAYS")} == {
        "PATIENTS": "SUBJECT_ID",
        "ADMISSIONS": "HADM_ID",
        "ICUSTAYS": "ICUSTAY_ID",
    }
    parents = {
        t: (relations.parent_of(t).parent, relations.parent_of(t).column)
        for t in frames
        if t != "PATIENTS"
    }
    assert parents == {
        "ADMISSIONS": ("PATIENTS", "SUBJECT_ID"),
        **{
            t: ("ADMISSIONS", "HADM_ID")
            for t in (
                "ICUSTAYS",
                "DIAGNOSES_ICD",
                "PROCEDURES_ICD",
                "PRESCRIPTIONS",
                "SERVICES",
                "TRANSFERS",
            )
        },
    }
    assert {k.child for k in relations.links if k.kind == "secondary"} == {
        "PRESCRIPTIONS",
        "TRANSFERS",
    }
    parts = split_by_root(frames, relations, 0.2, 0)
    held = set(parts["PATIENTS"][1].get_column("SUBJECT_ID"))
    for _table, (train, holdout) in parts.items():
        assert set(holdout.get_column("SUBJECT_ID")) <= held
        assert not set(train.get_column("SUBJECT_ID")) & held


def _timed(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The hospital with birth dates, admission and discharge times, a diagnosis time each."""
    from datetime import date, datetime, timedelta

    patients = tables["PATIENTS"].with_columns(
        pl.Series(
            "DOB", [date(1940 + i % 50, 1 + i % 12, 1) for i in range(tables["PATIENTS"].height)]
        )
    )
    n = tables["ADMISSIONS"].height
    admit = [datetime(2100, 1, 1) + timedelta(days=17 * i, hours=i % 24) for i in range(n)]
    admissions = tables["ADMISSIONS"].with_columns(
        pl.Series("ADMITTIME", admit),
        pl.Series("DISCHTIME", [a + timedelta(days=1 + i % 9) for i, a in enumerate(admit)]),
    )
    diagnoses = (
        tables["DIAGNOSES_ICD"]
        .join(admissions.select("HADM_ID", "ADMITTIME"), on="HADM_ID", how="left")
        .with_columns(
            (pl.col("ADMITTIME") + pl.duration(hours=pl.col("SEQ_NUM"))).alias("CHARTTIME")
        )
        .drop("ADMITTIME")
    )
    return {"PATIENTS": patients, "ADMISSIONS": admissions, "DIAGNOSES_ICD": diagnoses}


def test_orderings_the_data_always_keeps_are_found_and_checked(monkeypatch):
    from synthpriv import relations as module
    from synthpriv.relations import find_orderings, kept_share

    tables = _timed(_hospital())
    relations = discover(tables)
    found = {
        (o.to_dict()["before"], o.to_dict()["after"]) for o in find_orderings(tables, relations)
    }
    assert found == {
        ("PATIENTS.DOB", "ADMISSIONS.ADMITTIME"),
        ("ADMISSIONS.ADMITTIME", "ADMISSIONS.DISCHTIME"),
        ("ADMISSIONS.ADMITTIME", "DIAGNOSES_ICD.CHARTTIME"),
    }  # birth before discharge and before a diagnosis follow from these, and are not repeated
    ordering = next(o for o in find_orderings(tables, relations) if o.after == "CHARTTIME")
    assert kept_share(tables, relations, ordering) == 1.0
    # a synthetic history whose diagnoses come before the admission breaks it, and is measured
    early = tables["DIAGNOSES_ICD"].with_columns(
        pl.when(pl.col("ROW_ID") % 4 == 0)
        .then(pl.col("CHARTTIME") - pl.duration(days=30))
        .otherwise(pl.col("CHARTTIME"))
        .alias("CHARTTIME")
    )
    share = kept_share(tables | {"DIAGNOSES_ICD": early}, relations, ordering)
    assert share == pytest.approx(1 - (early.height // 4) / early.height, abs=0.01)
    monkeypatch.setattr(module, "KEPT_ROWS", 5)  # a few rows at a time: the same share
    assert kept_share(tables | {"DIAGNOSES_ICD": early}, relations, ordering) == share


def test_relations_toml_is_checked_against_the_folder(tmp_path):
    from synthpriv.errors import ConfigError
    from synthpriv.relations import load_overrides

    tables = _hospital()
    given = tmp_path / "relations.toml"
    given.write_text(
        'root = "PATIENTS"\n[primary_keys]\nPATIENTS = "SUBJECT_ID"\n'
        '[[links]]\nchild = "ADMISSIONS"\ncolumn = "SUBJECT_ID"\n'
        'parent = "PATIENTS"\nkey = "SUBJECT_ID"\n'
    )
    assert load_overrides(given, tables)["root"] == "PATIENTS"
    for text, message in [
        ('root = "VISITS"\n', "root: no table 'VISITS' in the folder"),
        ('[primary_keys]\nPATIENTS = "MRN"\n', "primary_keys.PATIENTS: 'MRN' is not a column"),
        (
            '[[links]]\nchild = "ADMISSIONS"\ncolumn = "SUBJECT_ID"\nparent = "PATIENTS"\n',
            "links[0]: 'key' is missing",
        ),
        ('roots = "PATIENTS"\n', "unknown entry 'roots'"),
        ("root = \n", "not readable as TOML (TOMLDecodeError)"),
    ]:
        given.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(f"{given}: {message}")):
            load_overrides(given, tables)


def test_a_link_written_as_floats_is_the_integer_key_it_names():
    """pandas writes an integer column with a missing cell as 1001.0: the link still holds."""
    from synthpriv.relations import integral_keys

    tables = _hospital()
    tables["ADMISSIONS"] = tables["ADMISSIONS"].with_columns(pl.col("SUBJECT_ID").cast(pl.Float64))
    tables["ADMISSIONS"] = tables["ADMISSIONS"].with_columns(
        (pl.col("TYPE") == "ELECTIVE").cast(pl.Float64).alias("SCORE")  # whole, not a key: kept
    )
    assert not [
        k for k in discover(tables).links if k.child == "ADMISSIONS" and k.parent == "PATIENTS"
    ]
    fixed = integral_keys(tables)
    assert fixed["ADMISSIONS"].schema["SUBJECT_ID"] == pl.Int64
    assert fixed["ADMISSIONS"].schema["SCORE"] == pl.Float64
    links = {(k.child, k.column, k.parent) for k in discover(fixed).links}
    assert ("ADMISSIONS", "SUBJECT_ID", "PATIENTS") in links


def test_a_key_that_repeats_is_said_and_a_forced_one_refused(tmp_path):
    from synthpriv.errors import ConfigError
    from synthpriv.relations import load_overrides

    tables = _hospital()
    ids = tables["PATIENTS"].get_column("SUBJECT_ID").to_list()
    tables["PATIENTS"] = tables["PATIENTS"].with_columns(
        pl.Series("SUBJECT_ID", [ids[1], *ids[1:]])  # the first patient's key repeats the second's
    )
    found = discover(tables)
    assert any(
        "table 'PATIENTS' column 'SUBJECT_ID' is named as its key but 1 value(s) repeat" in w
        for w in found.warnings
    ), found.warnings
    toml = tmp_path / "relations.toml"
    toml.write_text('[primary_keys]\nPATIENTS = "SUBJECT_ID"\n')
    with pytest.raises(ConfigError) as raised:
        load_overrides(toml, tables)
    assert str(raised.value) == (
        f"{toml}: primary_keys.PATIENTS: column 'SUBJECT_ID' of table 'PATIENTS' is not a key: "
        "1 value(s) repeat and 0 cell(s) are empty"
    )


def test_a_link_to_a_column_that_is_not_a_key_is_refused(tmp_path):
    """A link to GENDER would be dropped (and the discovered link with it) without a word."""
    from synthpriv.errors import ConfigError
    from synthpriv.relations import load_overrides

    tables = _hospital()
    toml = tmp_path / "relations.toml"
    link = '[[links]]\nchild = "ADMISSIONS"\ncolumn = "SUBJECT_ID"\nparent = "PATIENTS"\n'
    for text, message in [
        (
            link + 'key = "GENDER"\n',
            "links[0].key: column 'GENDER' of table 'PATIENTS' is not a key: 58 value(s) "
            "repeat and 0 cell(s) are empty",
        ),
        (
            '[primary_keys]\nPATIENTS = "ROW_ID"\n' + link + 'key = "SUBJECT_ID"\n',
            "links[0].key: 'SUBJECT_ID' is not the key primary_keys names for table "
            "'PATIENTS' ('ROW_ID')",
        ),
    ]:
        toml.write_text(text)
        with pytest.raises(ConfigError) as raised:
            load_overrides(toml, tables)
        assert str(raised.value) == f"{toml}: {message}"
    toml.write_text(link + 'key = "SUBJECT_ID"\n')
    assert load_overrides(toml, tables)["links"][0]["key"] == "SUBJECT_ID"


def _clinic(patients: int = 40) -> dict[str, pl.DataFrame]:
    """An EHR export's shape: every table carries the patient; encounters also point to a
    provider of a shared organization (reference tables), conditions to their encounter."""
    ids = [f"p-{i:04d}" for i in range(patients)]
    organizations = pl.DataFrame({"Id": [f"o-{i}" for i in range(6)], "NAME": list("abcdef")})
    providers = pl.DataFrame(
        {"Id": [f"d-{i:03d}" for i in range(30)], "ORGANIZATION": [f"o-{i % 6}" for i in range(30)]}
    )
    visits = [(p, f"e-{i:04d}-{j}") for i, p in enumerate(ids) for j in range(i % 4 + 1)]
    doctor = [f"d-{(7 * n) % 30:03d}" for n in range(len(visits))]
    encounters = pl.DataFrame(
        {
            "Id": [e for _, e in visits],
            "PATIENT": [p for p, _ in visits],
            "PROVIDER": doctor,
            "ORGANIZATION": [f"o-{int(d[2:]) % 6}" for d in doctor],
            "CLASS": ["ambulatory" if n % 3 else "inpatient" for n in range(len(visits))],
        }
    )
    conditions = pl.DataFrame(
        {
            "PATIENT": [p for p, _ in visits for _ in range(2)],
            "ENCOUNTER": [e for _, e in visits for _ in range(2)],
            "CODE": [str(100 + n % 9) for n in range(2 * len(visits))],
        }
    )
    people = pl.DataFrame({"Id": ids, "GENDER": ["F" if i % 2 else "M" for i in range(patients)]})
    return {
        "patients": people,
        "organizations": organizations,
        "providers": providers,
        "encounters": encounters,
        "conditions": conditions,
    }


def test_the_people_are_the_root_not_a_reference_table_their_rows_point_to():
    # before: encounters took the provider as parent (the "most specific" link), so the root
    # was organizations, and a hospital's whole history went to training or holdout together
    relations = discover(_clinic())
    assert relations.root == "patients"
    assert relations.parent_of("encounters").parent == "patients"
    assert relations.parent_of("conditions").parent == "encounters"
    assert _by(relations, "conditions", "PATIENT").kind == "implied"
    assert _by(relations, "encounters", "PROVIDER").kind == "secondary"
    # reference tables keep their own tree, outside the people's
    assert relations.parent_of("providers").parent == "organizations"
    assert relations.parent_of("organizations") is None


def test_a_given_root_puts_every_table_that_reaches_it_under_it():
    tables = _clinic()
    # an order's lines point to the order and to a product; the product to its category
    relations = discover(tables, {"root": "organizations"})
    assert relations.root == "organizations"
    assert relations.parent_of("encounters").parent in ("organizations", "providers")
    assert relations.parent_of("patients") is None
    orders = pl.DataFrame(
        {"orderID": range(10_248, 10_348), "customerID": [f"C{i % 30:02d}" for i in range(100)]}
    )
    customers = pl.DataFrame({"customerID": [f"C{i:02d}" for i in range(30)], "city": ["x"] * 30})
    products = pl.DataFrame(
        {"productID": range(1, 78), "categoryID": [1 + i % 8 for i in range(77)]}
    )
    categories = pl.DataFrame({"categoryID": range(1, 9), "name": list("abcdefgh")})
    details = pl.DataFrame(
        {
            "orderID": [10_248 + i // 3 for i in range(300)],
            "productID": [1 + (5 * i) % 77 for i in range(300)],
            "quantity": [1 + i % 7 for i in range(300)],
        }
    )
    shop = {
        "orders": orders,
        "customers": customers,
        "products": products,
        "categories": categories,
        "order_details": details,
    }
    found = discover(shop, {"root": "customers"})
    # before: the lines' parent was the product (fewer distinct values), out of the people's tree
    assert found.parent_of("order_details").parent == "orders"
    assert found.parent_of("orders").parent == "customers"
    assert _by(found, "order_details", "productID").kind == "secondary"


def test_a_count_inside_a_run_of_integer_keys_is_not_a_link():
    # Berka's district table: the number of towns (1 to 11) lies among account numbers, which
    # run to 11,382 with gaps; a link made the accounts and districts each other's parent
    accounts = pl.DataFrame(
        {
            "account_id": list(range(1, 12)) + [12 + 3 * i for i in range(3_000)],
            "district_id": [1 + i % 77 for i in range(3_011)],
        }
    )
    districts = pl.DataFrame(
        {
            "A1": range(1, 78),
            "A9": [1 + i % 11 for i in range(77)],
            "A16": [2_000 + 37 * i for i in range(77)],
        }
    )
    relations = discover({"account": accounts, "district": districts})
    assert [(k.child, k.column) for k in relations.links] == [("account", "district_id")]
    assert relations.root == "district"
    assert relations.order() == ["district", "account"]
    # a pointer named for nothing whose values spread over the keys is still found
    transfers = pl.DataFrame({"x": [12 + 3 * ((7 * (i % 400)) % 3_000) for i in range(600)]})
    found = discover({"account": accounts, "transfers": transfers})
    assert found.parent_of("transfers") == Link("transfers", "x", "account", "account_id")


def test_parents_never_go_round_in_a_loop():
    # two reference tables that point at each other, off the people's tree (each team has a
    # lead among the staff, each of whom is in a team), and the people
    teams = pl.DataFrame(
        {"team_code": [f"T{i}" for i in range(12)], "lead": [f"E{i % 6}" for i in range(12)]}
    )
    staff = pl.DataFrame(
        {"staff_code": [f"E{i}" for i in range(40)], "team": [f"T{i % 12}" for i in range(40)]}
    )
    people = pl.DataFrame({"person_id": [f"P{i:03d}" for i in range(50)]})
    visits = pl.DataFrame(
        {"person_id": [f"P{i % 50:03d}" for i in range(150)], "n": list(range(150))}
    )
    relations = discover({"teams": teams, "staff": staff, "people": people, "visits": visits})
    assert relations.root == "people"
    order = relations.order()
    assert sorted(order) == ["people", "staff", "teams", "visits"]
    for table in order:  # each table after its parent: no loop
        link = relations.parent_of(table)
        assert link is None or order.index(link.parent) < order.index(table)
    assert sum(relations.parent_of(t) is None for t in ("teams", "staff")) == 1


def test_a_reference_table_is_split_by_its_own_rows_its_children_with_them():
    # before: organizations and providers stayed whole in training, so their synthetic rows
    # had no unseen rows to be compared with and every folder with one was INCOMPLETE
    tables = _clinic()
    organizations = pl.DataFrame({"Id": [f"o-{i}" for i in range(30)], "NAME": ["x"] * 30})
    providers = pl.DataFrame(
        {
            "Id": [f"d-{i:03d}" for i in range(90)],
            "ORGANIZATION": [f"o-{i % 30}" for i in range(90)],
        }
    )
    wards = pl.DataFrame({"ward": [f"w{i}" for i in range(5)]})
    tables |= {"organizations": organizations, "providers": providers, "wards": wards}
    tables["encounters"] = tables["encounters"].with_columns(
        pl.Series("WARD", [f"w{i % 5}" for i in range(tables["encounters"].height)]),
        pl.Series("ORGANIZATION", [f"o-{i % 30}" for i in range(tables["encounters"].height)]),
    )
    relations = discover(tables)
    assert relations.root == "patients"
    parts = split_by_root(tables, relations, 0.3, seed=1)
    train, held = parts["organizations"]
    assert train.height and held.height and train.height + held.height == 30
    for side, orgs in enumerate((train, held)):
        owners = set(parts["providers"][side].get_column("ORGANIZATION"))
        assert owners <= set(orgs.get_column("Id"))
    # a table of five rows is too small to hold any out: it stays whole in training
    assert parts["wards"][0].height == 5 and parts["wards"][1].height == 0


def test_each_rows_person_found_in_parts_on_a_shelf_is_the_whole_search(monkeypatch, tmp_path):
    """Three levels (people, visits, notes), a visit pointing to nobody, links as text and
    numbers: people found 3 rows at a time, each part written to the run's shelf, are the
    people found at once; and the children's people are on the shelf, not in the heap."""
    from synthpriv import relations as relations_module
    from synthpriv.io import held
    from synthpriv.relations import persons

    people = pl.DataFrame({"pid": list(range(100, 120))})
    visits = pl.DataFrame({"vid": list(range(50)), "pid": [100 + i % 20 for i in range(50)]})
    notes = pl.DataFrame({"nid": list(range(1000, 1090)), "vid": [i % 50 for i in range(90)]})
    relations = discover({"people": people, "visits": visits, "notes": notes})
    assert {(k.child, k.parent) for k in relations.links} == {
        ("visits", "people"),
        ("notes", "visits"),
    }
    frames = {
        "people": people,
        "visits": visits.with_columns(
            pl.when(pl.col("vid") == 7).then(999).otherwise(pl.col("pid")).alias("pid")
        ),
        "notes": notes.with_columns(pl.col("vid").cast(pl.String)),
    }
    whole = persons(frames, relations)
    visit_people = [None if i == 7 else str(100 + i % 20) for i in range(50)]
    assert whole["visits"].to_list() == visit_people
    assert whole["notes"].to_list() == [visit_people[i % 50] for i in range(90)]

    written = []
    stream = held.Shelf.stream
    monkeypatch.setattr(
        held.Shelf,
        "stream",
        lambda self, parts, name: written.append(name) or stream(self, parts, name),
    )
    monkeypatch.setattr(relations_module, "PERSON_ROWS", 3)
    with held.shelved(held.Shelf(tmp_path / "shelf")):
        parts = persons(frames, relations)
    assert written == ["persons-visits", "persons-notes"]
    for table in ("people", "visits", "notes"):
        assert parts[table].to_list() == whole[table].to_list()
        assert parts[table].dtype == pl.String
