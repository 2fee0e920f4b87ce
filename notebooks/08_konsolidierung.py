# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["source-doc"]
# # 08 Konsolidierung
#
# Die Pläne der Regionen, zusammengeführt zum Unternehmensplan: Kennzahlen je Region und
# die Summe, der konsolidierte Monatsplan (Beträge und Anzahlen addiert, Quoten nicht).
# `region_dirs` nennt die Ausgabeordner der Regionen (von `planning batch` gesetzt).

# %% tags=["parameters"]
region: str = "Gesamt"  # Name der Konsolidierung
config_path: str = ""  # Plan-Parameter (YAML); leer: data/configs/cloudflow.yaml
data_path: str = ""  # Ordner mit den CRM-Tabellen; leer: data/sample
horizon: int = 12  # Planungshorizont in Monaten (12..36)
scenario: str = "base"  # Szenario: base, best, worst oder eines aus der Konfiguration
locale: str = "de"  # Sprache des Berichts: de oder en
seed: int = 42  # Startwert für Zufallszahlen
output_dir: str = ""  # Ausgabeordner für Tabellen und Diagramme; leer: reports/notebook/<region>
region_dirs: dict = {}  # Region -> Ausgabeordner ihrer Phasen-Notebooks

# %%
from planning_lib.run.phases.konsolidierung import phase_08_konsolidierung

# the phase's work and report: planning_lib/run/phases/konsolidierung.py; afterwards ph.tables
# holds the tables it wrote (name → frame) and ph.figures its key figures
ph = phase_08_konsolidierung(
    region_dirs=region_dirs,
    region=region,
    config_path=config_path,
    data_path=data_path,
    horizon=horizon,
    scenario=scenario,
    locale=locale,
    seed=seed,
    output_dir=output_dir,
)
