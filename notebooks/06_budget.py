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
# # 06 Budget und Finanzen
#
# Was kostet der Plan, und was bringt er ein? Kosten je Kategorie und Monat gegen das
# Budget, ROI, Deckungsbeitrag und Liquidität. Liest den Plan aus Phase 2.

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
    "06",
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
ph.say("06.title", region=region)

# %% Kosten je Kategorie und Monat
costs = views.budget_monthly(monthly)
ph.table(costs.rename_axis("month").reset_index(), "budget_monthly", "06.budget_monthly")
ph.chart(
    charts.stacked_bar_chart(
        ph.labelled(costs, "cat"), locale=locale, title=ph.t("06.budget_chart")
    ),
    "budget_monthly",
)
by_cat = ph.table(
    views.budget_by_category(summary, costs), "budget_categories", "06.budget_categories"
)
ph.say(
    "06.budget_text",
    budget=ph.fmt(summary["budget_total"], "eur"),
    cost=ph.fmt(by_cat["planned_cost_eur"].sum(), "eur"),
)

# %% ROI, Deckungsbeitrag und Liquidität
profit = ph.table(views.profitability(monthly), "profitability", "06.profitability")
ph.say(
    "06.margin_text",
    margin=ph.fmt(profit["contribution_margin_eur"].sum(), "eur"),
    revenue=ph.fmt(profit["revenue_eur"].sum(), "eur"),
)
cash = views.line_wide(monthly, ["cash_balance", "company_cash_balance"])
cash.columns = [ph.t("06.cash"), ph.t("06.company_cash")]
ph.chart(charts.line_chart(cash, locale=locale, title=ph.t("06.cash_chart"), unit="eur"), "cash")
ph.say(
    "06.roi_text",
    roi=ph.fmt(summary["roi"], "share"),
    life=ph.fmt(summary["customer_lifetime_months"], "months"),
    ltv=ph.fmt(summary["lifetime_value_new_customers"], "eur"),
    cac=ph.fmt(summary["cac_fully_loaded"], "eur"),
    low=ph.fmt(summary["cash_low_point"], "eur"),
    month=ph.fmt(summary.get("cash_low_point_month", ""), "month"),
    company_low=ph.fmt(summary["company_cash_low_point"], "eur"),
)
