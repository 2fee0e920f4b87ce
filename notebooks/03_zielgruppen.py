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
from planning_lib.present import charts, views
from planning_lib.present.tables import MIN_OBSERVATIONS
from planning_lib.run.phase import open_phase

ph = open_phase(
    "03",
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
analysis = ph.load_analysis()
ph.say("03.title", region=region)

# %% ABC-Analyse der Kunden nach Umsatz
abc = ph.table(analysis.tables["abc_summary"], "abc", "03.abc")
a_row = views.a_class(abc)
ph.chart(
    charts.bar_chart(
        abc.set_index("abc_class")["revenue_share"],
        locale=locale,
        title=ph.t("03.abc_chart"),
        unit="share",
    ),
    "abc",
)
ph.say(
    "03.abc_text",
    customers=ph.fmt(a_row["customer_share"], "share"),
    revenue=ph.fmt(a_row["revenue_share"], "share"),
)

# %% Segmente und ihre Attraktivität
segments = ph.table(analysis.tables["segments"], "segments", "03.segments")
ph.chart(
    charts.bar_chart(
        segments.set_index("segment")["attractiveness"].rename(ph.name),
        locale=locale,
        title=ph.t("03.attractiveness"),
        unit="decimal",
        horizontal=True,
    ),
    "attractiveness",
)
best = views.top_segment(segments)
ph.say(
    "03.segments_text",
    segment=ph.name(best["segment"]),
    score=ph.fmt(best["attractiveness"], "decimal"),
)
if best["customers"] < MIN_OBSERVATIONS:
    ph.say("03.segments_caveat", segment=ph.name(best["segment"]), n=int(best["customers"]))

# %% Buyer Personas und Positionierung
ph.table(analysis.tables["personas"], "personas", "03.personas")
ph.table(analysis.tables["persona_links"], "persona_links", "03.persona_links")
ph.say("03.personas_text")
ph.table(analysis.tables["positioning"], "positioning", "03.positioning")
ph.say("03.positioning_text", statement=ph.params.positioning.get(locale, ""))
