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
# # 04 Vertriebskanäle
#
# Welche Kanäle liefern die Neukunden, und wie viele Leads braucht jeder Kanal dafür?
# Der umgekehrte Funnel (vom Neukundenziel über Demos und SQL zu den MQL), die geplanten
# Leads dagegen, Kosten pro Lead und pro Neukunde. Liest den Plan aus Phase 2.

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
    "04",
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
ph.say("04.title", region=region)

# %% Umgekehrter Funnel je Kanal
channels = ph.table(views.channel_plan(monthly), "channels", "04.channels")
ph.chart(
    charts.bar_chart(
        channels.set_index("channel")["lead_coverage_share"].rename(ph.name),
        locale=locale,
        title=ph.t("04.coverage_chart"),
        unit="share",
    ),
    "lead_coverage",
)
short, missing = views.lead_shortfall(channels)
ph.say(
    "04.coverage_text",
    channels=", ".join(map(ph.name, short)) or "–",
    missing=ph.fmt(missing, "count"),
)

# %% Benötigte MQL pro Monat und Kanal
required = views.channel_wide(monthly, "required_entry")
ph.table(required.reset_index(), "required_leads", "04.required_table", show=False)
ph.chart(
    charts.stacked_bar_chart(
        ph.labelled(required, "channel"),
        locale=locale,
        title=ph.t("04.required_chart"),
        unit="count",
    ),
    "required_leads",
)
ph.say("04.required_text")
