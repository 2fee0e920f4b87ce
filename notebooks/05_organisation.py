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
# # 05 Organisation und Ressourcen
#
# Wer macht was, womit? Vertriebsteam je Rolle mit Einstellungen und Einarbeitungszeit,
# Kapazität gegen benötigte Abschlüsse, Struktur, Werkzeuge und Provisionen. Liest den
# Plan aus Phase 2.

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
from planning_lib.present import charts, views
from planning_lib.run.phase import open_phase

ph = open_phase(
    "05",
    region=region,
    config_path=config_path,
    data_path=data_path,
    horizon=horizon,
    scenario=scenario,
    locale=locale,
    seed=seed,
    output_dir=output_dir,
    load_data=False,
)
monthly, summary = ph.load_plan()
ph.say("05.title", region=region)

# %% Team, Einarbeitung und Kapazität
org = ph.table(views.organisation_monthly(monthly), "organisation", "05.organisation")
cap = views.line_wide(monthly, ["capacity_deals", "required_rep_deals"])
cap.columns = [ph.t("05.capacity"), ph.t("05.required")]
ph.chart(charts.line_chart(cap, locale=locale, title=ph.t("05.capacity_chart")), "capacity")
ph.say(
    "05.capacity_text",
    short=ph.fmt(int(summary.get("capacity_short_months", 0)), "months_count"),
    heads=ph.fmt(org["reps_heads"].iloc[-1], "count"),
)

# %% Struktur und Werkzeuge
ph.table(views.roles_table(ph.params, locale), "roles", "05.roles")
ph.table(views.structure_table(ph.params), "structure", "05.structure")
ph.say("05.structure_text")

# %% Provisionen
ph.say(
    "05.commission_text",
    total=ph.fmt(summary["commissions_total"], "eur"),
    reps=ph.fmt(summary.get("commissions_reps", 0.0), "eur"),
    partners=ph.fmt(summary.get("commissions_partners", 0.0), "eur"),
)
