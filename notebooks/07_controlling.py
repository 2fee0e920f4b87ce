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
# # 07 Messung, Kontrolle und Anpassung
#
# KPIs aus den Ist-Daten des laufenden Planjahres, Soll-Ist-Vergleich mit Status, die
# Neukunden-Lücke je Kanal getrennt in "Plan nie finanziert" und "Umsetzung", die
# Abweichung zerlegt in Preis-, Mengen- und Mixeffekt, ausgelöste Anpassungsregeln und die
# rollierende Hochrechnung zum Jahresende. Liest den Plan aus Phase 2 und `actuals/`.

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
from planning_lib.controlling import plan_vs_actual as controlling
from planning_lib.controlling.landing import rolling_landing
from planning_lib.controlling.plan_view import PlanView
from planning_lib.controlling.rules import evaluate_rules
from planning_lib.present import charts, views
from planning_lib.run.phase import open_phase

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
plan = PlanView.from_params(monthly, ph.params)
ctx = controlling.context_for(ph.params, ph.actuals, plan=plan)
ph.say("07.title", region=region, as_of=ph.fmt(ctx.as_of, "month"))

# %% KPIs der Ist-Daten je Monat
kpis = ph.table(views.actual_kpis(ph.actuals, ctx), "kpis", "07.kpis")

# %% Soll-Ist-Vergleich mit Status
variance = controlling.plan_vs_actual(ph.actuals, ctx, plan, grains=("month", "ytd"))
status = ph.table(views.variance_table(variance), "variance", "07.variance")
new = views.plan_actual_monthly(variance, "new_customers")
new.columns = [ph.t("label.plan"), ph.t("label.actual")]
ph.chart(charts.line_chart(new, locale=locale, title=ph.t("07.pva_chart")), "plan_vs_actual")
ph.say(
    "07.variance_text",
    off=int((status["status"] == "off_track").sum()),
    total=len(status),
)

# %% Lücke je Kanal: Plan nie finanziert (Plan − Funnel-Plan) oder Umsetzung (Funnel-Plan − Ist)
split = ph.table(views.execution_split(variance), "execution", "07.execution")
by_channel = split.set_index("channel")
total = by_channel.loc["total"]
widest = by_channel.drop(index="total")["gap_planning"].idxmax()
ph.say(
    "07.execution_text",
    gap=ph.fmt(total["plan"] - total["actual"], "count"),
    planning=ph.fmt(total["gap_planning"], "count"),
    execution=ph.fmt(total["gap_execution"], "count"),
    channel=ph.name(widest),
    att=ph.fmt(by_channel.loc[widest, "attainment"], "share"),
    att_x=ph.fmt(by_channel.loc[widest, "attainment_execution"], "share"),
)

# %% MRR-Brücke: Startbasis, Neu-MRR, Expansion, Kontraktion, Abwanderung
bridge = ph.table(controlling.mrr_variance_bridge(ph.actuals, ctx, plan), "mrr_bridge",
                  "07.mrr_bridge")  # fmt: skip
var = bridge.set_index("component")["variance_eur"]
ph.say("07.mrr_bridge_text", **{k: ph.fmt(v, "eur") for k, v in var.items()})

# %% Abweichung zerlegt: Preis-, Mengen- und Mixeffekt
ph.table(controlling.revenue_effects(ph.actuals, ctx, plan, ph.history), "effects", "07.effects")
ph.say("07.effects_text")

# %% Anpassungsregeln: ausgelöste Maßnahmen
actions = evaluate_rules(list(ph.params.rules), ph.actuals, ctx, plan)
triggered = ph.table(views.actions_table(actions, locale), "actions", "07.actions")
ph.say("07.actions_text", n=int(triggered["triggered"].sum()), total=len(triggered))
ph.table(views.rule_evidence_table(actions), "rule_evidence", "07.evidence")
ph.say("07.evidence_text")

# %% Hochrechnung zum Jahresende (rollierende Prognose)
landing = rolling_landing(ph.params, ph.actuals, ctx, summary, ph.history, plan)
figures = ph.table(views.landing_table(landing), "landing", "07.landing")
ph.table(views.landing_targets(landing), "landing_targets", "07.landing_targets")
row = figures.set_index("figure").loc["new_customers"]
ph.say(
    "07.landing_text",
    actual=ph.fmt(row["actual_to_date"], "count"),
    landing=ph.fmt(row["landing"], "count"),
    plan=ph.fmt(row["plan"], "count"),
)
ph.table(landing["path"], "landing_path", "07.landing_path", show=False)
path = views.landing_path_cumulative(landing["path"], "new_customers")
path.columns = [ph.t("label.plan"), ph.t("07.landing_line")]
ph.chart(
    charts.line_chart(
        path, locale=locale, title=ph.t("07.landing_chart"), styles={path.columns[1]: "--"}
    ),
    "landing",
)
ph.key_figures("07_controlling", landing_new_customers=float(row["landing"]))
