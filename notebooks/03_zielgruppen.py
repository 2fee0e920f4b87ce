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
# # 03 Zielgruppen und Positionierung
#
# Wer sind die Kunden, welche Segmente lohnen sich, und wie positioniert sich das Angebot?
# ABC-Analyse, Segmenttabelle mit Attraktivität, Buyer Personas und Positionierung. Liest
# die Analyse, die Phase 1 geschrieben hat.

# %% tags=["parameters"]
region: str = "DE-Nord"  # Vertriebsgebiet (Regionsdatei data/configs/regions/<region>.yaml)
config_path: str = ""  # Plan-Parameter (YAML); leer: data/configs/cloudflow.yaml
data_path: str = ""  # Ordner mit den CRM-Tabellen; leer: data/sample
horizon: int = 12  # Planungshorizont in Monaten (12..36)
scenario: str = "base"  # Szenario: base, best, worst oder eines aus der Konfiguration
locale: str = "de"  # Sprache des Berichts: de oder en
seed: int = 42  # Startwert für Zufallszahlen
output_dir: str = ""  # Ausgabeordner für Tabellen und Diagramme; leer: reports/notebook/<region>

# %%
from planning_lib.run.phases.zielgruppen import phase_03_zielgruppen

# the phase's work and report: planning_lib/run/phases/zielgruppen.py; afterwards ph.tables
# holds the tables it wrote (name → frame) and ph.figures its key figures
ph = phase_03_zielgruppen(
    region=region,
    config_path=config_path,
    data_path=data_path,
    horizon=horizon,
    scenario=scenario,
    locale=locale,
    seed=seed,
    output_dir=output_dir,
)
