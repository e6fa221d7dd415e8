"""The officer's page cannot contradict itself or report.json.

One run of the whole job (a fake synthesizer: this is about the page), then the rendered HTML is
read back as a browser would show its text and every figure it states is checked against
report.json, and every status against what its criteria say.
"""

from __future__ import annotations

import html
import json
import re

import polars as pl
import pytest

from synthpriv.config import RunConfig
from synthpriv.pipeline import run
from synthpriv.schema import POOLED_LABEL
from tests.conftest import SAMPLE
from tests.fakes import FakeSynthesizer
from tests.helpers import assert_gates_consistent

pytestmark = pytest.mark.integration


def _text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    fragment = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _element(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, element_id
    return match.group(2)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "run"
    source = tmp_path_factory.mktemp("in") / "healthcare.csv"
    pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False).head(900).write_csv(source)
    run(source, out, RunConfig(seed=3, nlp_model="none"), synthesizer=FakeSynthesizer())
    report = json.loads((out / "report.json").read_text())
    return report, (out / "report.html").read_text(encoding="utf-8")


def test_every_status_follows_its_criteria(page):
    assert_gates_consistent(page[0])


def test_each_check_on_the_page_says_what_report_json_says(page):
    report, text = page
    for gate in report["gates"]:
        row = _element(text, f"gate-{gate['name']}")
        assert f">{gate['status']}<" in row, gate["name"]
        assert _text(row).endswith(_text(gate["message"])), gate["name"]


def test_a_figure_and_its_limit_never_print_alike_when_they_differ(page):
    report, _ = page
    for gate in report["gates"]:
        value, limit = gate["value"], gate["threshold"]
        if gate["status"] == "SKIP" or value is None or limit is None or value == limit:
            continue
        match = re.search(r"(\d+\.\d+)%[^%]*?above (\d+(?:\.\d+)?)% fails", gate["message"])
        if not match or gate["name"] not in (
            "dcr_share",
            "attribute_inference",
            "singling_out",
            "linkability",
            "replicated_uniques",
        ):
            continue
        shown_value, shown_limit = (float(x) for x in match.groups())
        assert shown_value != shown_limit, gate["message"]
        assert (shown_value > shown_limit) == (value > limit), gate["message"]


def test_the_fidelity_card_and_table_state_report_json(page):
    report, text = page
    fidelity = report["fidelity"]
    card = _text(_element(text, "fidelity-card"))
    score = round(fidelity["score"] * 100)
    same_size = round(fidelity["score_at_holdout_size"] * 100)
    baseline = round(fidelity["baseline_score"] * 100)
    assert card.startswith(f"{score} compares all synthetic rows with all training rows")
    assert f"scores {same_size} and real rows the model never saw {baseline}" in card
    if same_size >= baseline:
        assert "the synthetic rows reach it" in card
    else:
        assert f"fall short of it by {baseline - same_size}" in card
    for label, entry in fidelity["whole_table"].items():
        row = _text(_element(text, f"whole-table-{label}"))
        assert f"{entry['discriminator_auc']:.3f}" in row
        low, high = entry["discriminator_auc_interval"]
        assert f"{low:.3f}–{high:.3f}" in row
        assert low <= entry["discriminator_auc"] <= high
    meaning = _text(_element(text, "discriminator-meaning"))
    auc = fidelity["whole_table"]["synthetic"]["discriminator_auc"]
    assert ("An AUC below 0.5 is chance" in meaning) == (auc < 0.5)


def test_cleaning_counts_and_chart_labels_add_up(page):
    report, text = page
    rows = report["cleaning"]["rows"]
    for audit in report["cleaning"]["columns"]:
        assert 0 <= audit["cells_changed"] <= rows, audit["column"]
    cells = [
        int(_text(m.group(1)).split()[-1])
        for m in re.finditer(r'<tr class="audit">((?:<td[^>]*>.*?</td>){4})', text, re.S)
    ]
    assert cells == [a["cells_changed"] for a in report["cleaning"]["columns"]]
    labels = [_text(m.group(1)) for m in re.finditer(r'chart-labels">(.*?)</div>', text, re.S)]
    assert labels
    for line in labels:
        first_line = line.split(f" {POOLED_LABEL}: ")[0]
        assert first_line.split(" · ").count(POOLED_LABEL) <= 1, line
    assert "{&#34;" not in text and '{"' not in _text(text)  # no raw JSON printed
