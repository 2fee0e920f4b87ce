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
# # 02 Ziele
#
# SMART-Ziele, der Plan, den sie ergeben (Top-down), und der Plan, den Funnel und Kapazität
# liefern (Bottom-up), mit der Lücke dazwischen und den Befunden zur Machbarkeit. Dieses
# Notebook rechnet den Monatsplan der Region und schreibt ihn für die Phasen 4 bis 7 und
# die Konsolidierung.

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
from planning_lib.analysis.funnel import open_pipeline_overrides
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import plan_bases
from planning_lib.plan.targets import gap_table
from planning_lib.present import charts, views
from planning_lib.run.phase import open_phase

ph = open_phase(
    "02",
    region=region,
    config_path=config_path,
    data_path=data_path,
    horizon=horizon,
    scenario=scenario,
    locale=locale,
    seed=seed,
    output_dir=output_dir,
)
# the scenario's overrides are already applied; the pipeline open at plan start comes
# from the region's lead history (the config's open_pipeline wins where it sets one)
plan = run_plan(ph.params, open_pipeline_overrides(ph.params, ph.history.get("leads")))
ph.save_plan(plan)
ph.say("02.title", region=region, scenario=scenario)

# %% SMART-Ziele und was der Plan erreicht
targets = ph.table(views.targets_table(plan.params, plan.lines), "targets", "02.targets")
hit, total = views.targets_hit(targets)
ph.say("02.targets_text", hit=hit, total=total)

# %% Top-down gegen Bottom-up
gap = ph.table(gap_table(plan.lines, list(plan.params.channels)), "gap", "02.gap")
new = views.line_wide(plan.monthly, ["customers_new_target", "customers_new_funnel"])
new.columns = [ph.t("02.top_down"), ph.t("02.bottom_up")]
ph.chart(charts.line_chart(new, locale=locale, title=ph.t("02.gap_chart")), "new_customers_gap")
top_down, bottom_up = views.won_gap(gap)
ph.say("02.gap_text", top_down=ph.fmt(top_down, "count"), bottom_up=ph.fmt(bottom_up, "count"))

# %% MRR-Verlauf: Churn-Pfad gegen konstanten Churn
mrr = views.line_wide(plan.monthly, ["mrr_end", "mrr_end_churn_constant"])
mrr.columns = [ph.t("02.mrr_path"), ph.t("02.mrr_constant")]
ph.chart(charts.line_chart(mrr, locale=locale, title=ph.t("02.mrr_chart"), unit="eur"), "mrr_plan")
ph.say(
    "02.mrr_text",
    mrr_end=ph.fmt(plan.summary["mrr_end"], "eur"),
    mrr_constant=ph.fmt(plan.summary["mrr_end_churn_constant"], "eur"),
)

# %% Zwei Grundlagen: was der Plan finanziert, was das Ziel kostet
bases = plan_bases(plan.params, draws=2_000, seed=seed)  # plan.params: pipeline included
ph.table(views.bases_table(bases), "bases", "02.bases")
ph.say(
    "02.bases_text",
    funnel_new=ph.fmt(bases["funnel"]["new_customers"], "count"),
    funnel_mrr=ph.fmt(bases["funnel"]["mrr_end"], "eur"),
    funnel_cost=ph.fmt(bases["funnel"]["cost_total"], "eur"),
    target_new=ph.fmt(bases["target"]["new_customers"], "count"),
    target_mrr=ph.fmt(bases["target"]["mrr_end"], "eur"),
    target_cost=ph.fmt(bases["target"]["cost_total"], "eur"),
    basis=ph.t(f"value.{plan.inputs.basis}"),
)

# %% Befunde zur Machbarkeit
ph.table(views.findings_table(plan.findings, locale), "findings", "02.findings")
ph.key_figures("02_ziele", **views.plan_key_figures(plan.summary))
