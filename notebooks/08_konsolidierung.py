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
from planning_lib.present import charts, views
from planning_lib.run.phase import open_phase, read_region_plans

ph = open_phase(
    "08",
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
monthly_by_region, summaries = read_region_plans(region_dirs)
ph.say("08.title", regions=", ".join(summaries) or "–")
missing = views.missing_regions(ph.params.company.regions, summaries)
if missing:
    ph.say("08.missing", regions=", ".join(missing))

# %% Kennzahlen je Region und Summe
table = ph.table(views.region_summary_table(summaries), "regions", "08.regions")
consolidated = views.consolidate_monthly(monthly_by_region)
ph.table(consolidated, "plan_monthly", "08.plan_monthly", show=False)
ph.say("08.plan_text")
figures = views.consolidated_key_figures(table, consolidated)
ph.key_figures("08_konsolidierung", **figures)
ph.say(
    "08.total_text",
    new=ph.fmt(figures["new_customers"], "count"),
    mrr=ph.fmt(figures["mrr_end"], "eur"),
    budget=ph.fmt(figures["budget_total"], "eur"),
    cac=ph.fmt(figures["cac_fully_loaded"], "eur"),
)

# %% Neukunden und MRR je Region
regions_only = table[table["region"] != "Gesamt"].set_index("region")
ph.chart(
    charts.bar_chart(regions_only["new_customers"], locale=locale, title=ph.t("08.new_chart")),
    "new_customers",
)
mrr = views.line_wide(consolidated, ["mrr_end"])
mrr.columns = [ph.t("08.mrr")]
mrr_chart = ph.chart(
    charts.line_chart(mrr, locale=locale, title=ph.t("08.mrr_chart"), unit="eur"), "mrr"
)
