"""synthpriv's own Presidio recognizers, one per file, for what health and finance tables hold."""

from presidio_analyzer import EntityRecognizer

from synthpriv.pii.recognizers.account_number import AccountNumberRecognizer
from synthpriv.pii.recognizers.br_cpf import BrCpfRecognizer
from synthpriv.pii.recognizers.cl_rut import ClRutRecognizer
from synthpriv.pii.recognizers.dea_number import DeaNumberRecognizer
from synthpriv.pii.recognizers.health_plan_id import HealthPlanIdRecognizer
from synthpriv.pii.recognizers.iban_shape import IbanShapeRecognizer
from synthpriv.pii.recognizers.icd10_code import Icd10CodeRecognizer
from synthpriv.pii.recognizers.medical_record_number import MedicalRecordNumberRecognizer
from synthpriv.pii.recognizers.occupation import OccupationRecognizer
from synthpriv.pii.recognizers.person_name import PersonNameRecognizer
from synthpriv.pii.recognizers.phone_keyword import PhoneKeywordRecognizer
from synthpriv.pii.recognizers.phone_shape import PhoneShapeRecognizer
from synthpriv.pii.recognizers.place_gazetteer import PlaceGazetteerRecognizer
from synthpriv.pii.recognizers.spreadsheet_number import SpreadsheetNumberRecognizer
from synthpriv.pii.recognizers.street_address import StreetAddressRecognizer
from synthpriv.pii.recognizers.swift_bic import SwiftBicRecognizer
from synthpriv.pii.recognizers.us_zip_code import UsZipCodeRecognizer
from synthpriv.pii.recognizers.vin import VinRecognizer

RECOGNIZER_CLASSES: tuple[type[EntityRecognizer], ...] = (
    MedicalRecordNumberRecognizer,
    HealthPlanIdRecognizer,
    Icd10CodeRecognizer,
    PersonNameRecognizer,
    PhoneShapeRecognizer,
    PhoneKeywordRecognizer,
    AccountNumberRecognizer,
    StreetAddressRecognizer,
    UsZipCodeRecognizer,
    DeaNumberRecognizer,
    SwiftBicRecognizer,
    VinRecognizer,
    PlaceGazetteerRecognizer,
    OccupationRecognizer,
    BrCpfRecognizer,
    ClRutRecognizer,
    IbanShapeRecognizer,
    SpreadsheetNumberRecognizer,
)


def custom_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of every synthpriv recognizer."""
    return [cls() for cls in RECOGNIZER_CLASSES]


__all__ = ["RECOGNIZER_CLASSES", "custom_recognizers"] + [c.__name__ for c in RECOGNIZER_CLASSES]
