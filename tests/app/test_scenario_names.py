"""One name per scenario: the cockpit's drop-down and the batch workbook's plan version
read it from the same text (``scenario.<name>`` in the text store, #13)."""

from __future__ import annotations

import datetime as dt

import pytest

from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.run.batch import _workbook_meta
from planning_lib.run.batch_jobs import BatchSettings

CLOUDFLOW = CONFIGS / "cloudflow.yaml"
# written by hand (the names a manager reads), German and English
NAMES = {
    "de": {"base": "Realistisch (Basis)", "best": "Bester Fall",
           "worst": "Schlechtester Fall", "custom": "Benutzerdefiniert"},
    "en": {"base": "Base case", "best": "Best case", "worst": "Worst case", "custom": "Custom"},
}  # fmt: skip
VERSION = {"de": "Szenario {name}, Lauf R1", "en": "Scenario {name}, run R1"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_cockpit_and_batch_show_the_same_scenario_names(tmp_path, lang: str) -> None:
    """Every scenario of the cockpit's drop-down (base, best, worst: CloudFlow has both,
    and custom) carries the hand-written name; the batch's workbook of that scenario
    names it the same in its plan version ("Szenario <name>, Lauf <run>")."""
    from planning_lib.app.cockpit_app import Cockpit

    cockpit = Cockpit(CLOUDFLOW, locale=lang, versions_dir=tmp_path / "v", debounce_s=0.01)
    assert cockpit.wait_until_idle(30)
    shown = {value: label for label, value in cockpit.scenario_dd.options}
    assert shown == NAMES[lang]
    for scenario, label in shown.items():
        settings = BatchSettings(CLOUDFLOW, SAMPLE_DATA, tmp_path, scenario=scenario, locale=lang)
        meta = _workbook_meta(settings, "R1", dt.datetime(2026, 1, 5))
        assert meta.plan_version == VERSION[lang].format(name=label), scenario


def test_a_config_scenario_without_a_name_keeps_its_own() -> None:
    """A scenario the config defines itself (not base/best/worst/custom) is shown as named."""
    from planning_lib.present.value_labels import scenario_label

    assert scenario_label("messe_2026", "de") == "messe_2026"
