# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 Messung, Kontrolle und Anpassung
#
# KPIs aus den Ist-Daten des laufenden Planjahres, Soll-Ist-Vergleich mit Abweichung und
# eine Hochrechnung zum Jahresende (Ist bis heute plus Plan für die restlichen Monate).
# Liest den Plan aus Phase 2 und die Ist-Daten (`actuals/`).

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
from planning_lib.report import charts, views
from planning_lib.report.phase import open_phase

ph = open_phase(
    "07",
    region=region,
    config_path=config_path,
    data_path=data_path,
    horizon=horizon,
    scenario=scenario,
    locale=locale,
    seed=seed,
    output_dir=output_dir,
)
monthly, summary = ph.load_plan()
ph.say("07.title", region=region)

# %% KPIs der Ist-Daten je Monat
kpis = ph.table(views.actual_kpis(ph.actuals, ph.params), "kpis", "07.kpis")

# %% Soll-Ist-Vergleich und Hochrechnung
pva = ph.table(views.plan_vs_actual(monthly, kpis), "plan_vs_actual", "07.plan_vs_actual")
chart = pva.set_index("month")[["plan", "actual"]]
chart.columns = [ph.t("label.plan"), ph.t("label.actual")]
ph.chart(charts.line_chart(chart, title=ph.t("07.pva_chart")), "plan_vs_actual")
landing = views.landing(pva)
ph.table(landing, "landing", "07.landing")
row = landing.iloc[0]
ph.say(
    "07.landing_text",
    actual=ph.fmt(row["actual_to_date"], "count"),
    plan_to_date=ph.fmt(row["plan_to_date"], "count"),
    landing=ph.fmt(row["landing"], "count"),
    plan=ph.fmt(row["plan_year"], "count"),
)
