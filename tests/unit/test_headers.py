"""Header meaning: languages, abbreviations, CamelCase, and what a head word's neighbours say."""

import pytest

from synthpriv.pii.headers import header_words, interpret_header, normalize_header


def concepts(header: str) -> list[str]:
    return [c.name for c in interpret_header(header).concepts]


@pytest.mark.parametrize(
    ("header", "concept"),
    [
        ("last_name", "person_name"),
        ("lname", "person_name"),
        ("Surname", "person_name"),
        ("maiden_name", "person_name"),
        ("Nachname", "person_name"),
        ("Apellidos", "person_name"),
        ("nom de famille", "person_name"),
        ("sobrenome", "person_name"),
        ("patName", "person_name"),
        ("CustomerId", "key"),
        ("PassengerId", "key"),
        ("EmpID", "key"),
        ("Patient_ID", "key"),
        ("Ticket ID", "key"),
        ("id", "key"),
        ("ManagerID", "person_key"),
        ("PERS_NR", "key"),
        ("RowNumber", "row_counter"),
        ("Index", "row_counter"),
        ("Unnamed: 0", "row_counter"),
        ("lat", "geo"),
        ("merch_long", "geo"),
        ("cvv", "card_secret"),
        ("cc_num", "card"),
        ("Passport No", "document"),
        ("dob", "birth_date"),
        ("Geburtsdatum", "birth_date"),
        ("dataNascimento", "birth_date"),
        ("SSN", "ssn"),
        ("Sozialversicherungsnummer", "ssn"),
        ("PLZ", "zip"),
        ("e-mail", "email"),
        ("telefoneCelular", "phone"),
        ("Company", "organization"),
        ("job_title", "occupation"),
        ("Website", "url"),
        ("email_domain", "url"),
        ("Cabin", "room"),
        ("created_at", "event_date"),
        ("NumOfProducts", "measure"),
        ("product_name", "thing"),
        ("merchant_id", "entity_key"),
        ("hospital_id", "organization_code"),
    ],
)
def test_headers_in_several_languages_and_spellings(header, concept):
    assert concepts(header)[0] == concept


def test_a_yes_no_flag_is_never_an_identifier():
    assert concepts("HasCrCard") == ["flag"]
    assert concepts("IsActiveMember") == ["flag"]
    assert concepts("is_fraud")[0] == "fraud"


def test_a_header_may_name_two_things_and_values_choose():
    assert set(concepts("adresse IP")) >= {"ip"}
    assert set(concepts("city_pop")) == {"measure", "place"}


def test_meaningless_headers_mean_nothing():
    for header in ("c7", "col_1", "V12", "field3", "x"):
        assert concepts(header) == []


def test_words():
    assert header_words("birthDate-Of Patient") == ["birth", "date", "of", "patient"]
    assert header_words("HTTPStatusCode") == ["http", "status", "code"]
    assert header_words("address1") == ["address", "1"]
    assert header_words("prénom") == ["prenom"]
    assert normalize_header("birthDate-Of Patient") == "birth_date_of_patient"
