"""German and English UI strings of the notebooks and reports: one definition per label.

Notebooks never hard-code narrative: they call ``text(key, locale, **numbers)`` so the
``locale`` parameter switches a whole report between German (default) and English,
and a sentence that states a number gets it filled in from the computed result.
Key figures (``kf.*``) also carry their unit, so the run index and Excel format them
the same way. Table columns (``col.<name>``, or ``col.<table>.<name>`` where the
meaning depends on the table) and code values (``stage.``, ``cat.``, ``segment.``,
``value.``...) are labelled here too; ``report.display`` applies them to every table a
reader sees, while the written tables keep their code names.
"""

from __future__ import annotations

import re
from typing import Any, Literal

__all__ = [
    "KEY_FIGURE_UNITS",
    "LABELS",
    "Unit",
    "column_unit",
    "format_figure",
    "format_value",
    "text",
]

Unit = Literal["eur", "count", "share", "ratio", "months", "decimal"]

LABELS: dict[str, tuple[str, str]] = {
    # --- run index -----------------------------------------------------------------
    "index.title": ("Vertriebsplanung – Planungslauf", "Sales planning – batch run"),
    "index.run": ("Lauf", "Run"),
    "index.failures": ("Fehlgeschlagene Notebooks", "Failed notebooks"),
    "index.key_figures": ("Kennzahlen je Region", "Key figures per region"),
    "index.region": ("Region", "Region"),
    "index.status": ("Status", "Status"),
    "index.excel": ("Excel", "Excel"),
    "index.notebooks": ("Notebooks", "Notebooks"),
    "index.notebook": ("Notebook", "Notebook"),
    "index.seconds": ("Dauer", "Duration"),
    "index.error": ("Fehler", "Error"),
    "index.charts": ("Diagramme", "Charts"),
    "index.failed_cell": ("Zelle In [{n}]", "cell In [{n}]"),
    "index.skipped_because": (
        "nicht ausgeführt, weil {dep} fehlschlug",
        "not run because {dep} failed",
    ),
    "status.ok": ("erfolgreich", "ok"),
    "status.failed": ("fehlgeschlagen", "failed"),
    "status.skipped": ("übersprungen", "skipped"),
    "status.partial": ("teilweise", "partial"),
    # run folders that did not finish (planning_lib.run.run_folder.incomplete_runs)
    "status.incomplete": ("unvollständig", "incomplete"),
    "status.aborted": ("abgebrochen", "aborted"),
    "status.running": ("läuft noch", "still running"),
    "status.unknown": ("unbekannt (anderer Rechner)", "unknown (another host)"),
    "index.incomplete_note": (
        "Dieser Lauf ist nicht abgeschlossen: er läuft noch oder wurde abgebrochen. "
        "Ergebnisse können fehlen.",
        "This run has not finished: it is still running or was killed. Results may be missing.",
    ),
    "index.incomplete_runs": (
        "Nicht abgeschlossene Läufe in diesem Ordner",
        "Unfinished runs in this folder",
    ),
    # --- phases (sheet names, notebook titles) --------------------------------------
    "phase.01": ("Ist-Analyse und Prognose", "As-is analysis and forecast"),
    "phase.02": ("Ziele", "Targets"),
    "phase.03": ("Zielgruppen und Positionierung", "Target groups and positioning"),
    "phase.04": ("Vertriebskanäle", "Sales channels"),
    "phase.05": ("Organisation und Ressourcen", "Organisation and resources"),
    "phase.06": ("Budget und Finanzen", "Budget and finance"),
    "phase.07": ("Controlling", "Controlling"),
    "phase.08": ("Konsolidierung", "Consolidation"),
    # --- common ------------------------------------------------------------------
    "label.actual": ("Ist", "Actual"),
    "label.plan": ("Plan", "Plan"),
    "label.forecast": ("Prognose", "Forecast"),
    "stage.leads": ("Leads", "Leads"),
    "stage.mql": ("MQL", "MQL"),
    "stage.sql": ("SQL", "SQL"),
    "stage.demo": ("Demo", "Demo"),
    "stage.won": ("Abschluss", "Won"),
    "cat.personnel": ("Personal", "Personnel"),
    "cat.marketing": ("Marketing", "Marketing"),
    "cat.tools": ("Werkzeuge", "Tools"),
    "cat.training_travel": ("Schulung und Reisen", "Training and travel"),
    "cat.commissions": ("Provisionen", "Commissions"),
    "cat.other": ("Sonstiges", "Other"),
    "segment.small": ("Klein (10–49)", "Small (10–49)"),
    "segment.mid": ("Mittelstand (50–250)", "Mid-size (50–250)"),
    "segment.large": ("Groß (>250)", "Large (>250)"),
    # --- 01 as-is analysis and forecast --------------------------------------------
    "01.title": (
        "## Ist-Analyse und Prognose: {region}\n\nDatenstand: {as_of}. Wo stehen wir, und "
        "wohin führt der Weg ohne Änderungen?",
        "## As-is analysis and forecast: {region}\n\nData as of {as_of}. Where do we stand, "
        "and where does the road lead without changes?",
    ),
    "01.mrr": ("MRR", "MRR"),
    "01.mrr_title": ("MRR am Monatsende", "MRR at month end"),
    "01.mrr_text": (
        "Am Ende der Historie stehen {mrr} MRR bei {customers} Kunden; der Umsatz wuchs im "
        "letzten Jahr um {yoy} (CAGR {cagr}). Das ist die Basis, von der jedes Ziel ausgeht.",
        "History ends at {mrr} MRR with {customers} customers; revenue grew {yoy} last year "
        "(CAGR {cagr}). Every target starts from this base.",
    ),
    "01.yearly": ("Umsatz, MRR und Kunden je Jahr", "Revenue, MRR and customers per year"),
    "01.mrr_by_segment": ("MRR je Segment (12 Monate)", "MRR per segment (12 months)"),
    "01.mrr_by_channel": ("MRR je Kanal (12 Monate)", "MRR per channel (12 months)"),
    "01.mrr_by_product": ("MRR je Produkt (12 Monate)", "MRR per product (12 months)"),
    "01.mrr_by_text": (
        "Die Aufteilung nach Segment, Kanal und Produkt zeigt, woher der wiederkehrende "
        "Umsatz kommt und welche Teile wachsen: dort setzt die Zielverteilung an.",
        "The split by segment, channel and product shows where recurring revenue comes from "
        "and which parts grow: that is where the target split starts.",
    ),
    "01.funnel": ("Funnel der letzten 12 Monate", "Funnel of the last 12 months"),
    "01.funnel_chart": (
        "Funnel der letzten 12 Monate je Kanal (in Klammern: Anteil der Vorstufe)",
        "Funnel of the last 12 months per channel (in brackets: share of the stage before)",
    ),
    "01.funnel_text": (
        "Die Umwandlungsraten je Stufe (gemessen an Lead-Kohorten) bestimmen, wie viele Leads "
        "der Plan für jeden Neukunden braucht; die schwächste Stufe ist der größte Hebel.",
        "The stage conversions (measured on lead cohorts) decide how many leads the plan "
        "needs per new customer; the weakest stage is the biggest lever.",
    ),
    "01.conversion": ("Umwandlungsraten je Kanal", "Conversion per channel"),
    "01.deal_metrics": (
        "Gewinnrate, Auftragsgröße und Verkaufszyklus",
        "Win rate, deal size and sales cycle",
    ),
    "01.cac": ("Kundenakquisitionskosten (CAC) je Kanal", "Customer acquisition cost per channel"),
    "01.clv": ("Kundenlebenszeitwert (CLV)", "Customer lifetime value (CLV)"),
    "01.unit_text": (
        "{year} gewann die Region {new} Neukunden; der CAC lag bei {cac} (nur Marketing) bzw. "
        "{cac_full} (voll), der CLV bei {clv}, die Abwanderung bei {churn} pro Monat. Ein Plan, "
        "der den CAC senken will, muss an diesen Zahlen ansetzen.",
        "In {year} the region won {new} new customers; CAC was {cac} (marketing only) or "
        "{cac_full} (fully loaded), CLV {clv}, churn {churn} per month. A plan that wants a "
        "lower CAC has to start from these figures.",
    ),
    "01.market": ("Markt und Marktanteil", "Market and market share"),
    "01.competitors": ("Wettbewerber", "Competitors"),
    "01.swot": ("SWOT-Analyse", "SWOT analysis"),
    "01.market_text": (
        "Markt, Wettbewerber und SWOT sind Eingaben der Planung: sie begründen, warum ein "
        "Wachstum über der Prognose möglich sein kann und wo es an Grenzen stößt.",
        "Market, competitors and SWOT are planning inputs: they argue why growth above the "
        "forecast may be possible and where it meets limits.",
    ),
    "01.forecast_title": (
        "Neukunden je Monat: Ist und Prognose ohne Änderungen",
        "New customers per month: actual and no-change forecast",
    ),
    "01.forecast": ("Prognose Neukunden je Monat", "Forecast of new customers per month"),
    "01.forecast_text": (
        "Ohne Änderungen erwartet die Prognose ({model}) im Planungszeitraum etwa {mean} "
        "Neukunden; die Bänder zeigen die 80- und 95-%-Intervalle je Monat. Ein Ziel weit "
        "darüber braucht zusätzliche Maßnahmen.",
        "Without changes the forecast ({model}) expects about {mean} new customers over the "
        "plan period; the bands show the 80 % and 95 % intervals per month. A target far "
        "above needs additional measures.",
    ),
    "01.findings": ("Befunde der Ist-Analyse", "Findings of the as-is analysis"),
    # --- 02 targets --------------------------------------------------------------------
    "02.title": (
        "## Ziele: {region}\n\nSzenario: {scenario}. SMART-Ziele, der Plan, den sie ergeben "
        "(Top-down), und der Plan, den Funnel und Kapazität liefern (Bottom-up), mit der "
        "Lücke dazwischen und den Befunden zur Machbarkeit.",
        "## Targets: {region}\n\nScenario: {scenario}. SMART targets, the plan they imply "
        "(top-down) and the plan funnel and capacity deliver (bottom-up), the gap between "
        "them and the feasibility findings.",
    ),
    "02.plan_monthly": ("Monatsplan (alle Positionen)", "Monthly plan (all line items)"),
    "02.targets": ("SMART-Ziele und Planwert", "SMART targets and plan value"),
    "02.targets_text": (
        "Der Plan erreicht {hit} von {total} Zielen; die übrigen brauchen andere Treiber "
        "oder ein angepasstes Ziel.",
        "The plan reaches {hit} of {total} targets; the others need different drivers or an "
        "adjusted target.",
    ),
    "02.gap": ("Top-down gegen Bottom-up je Kanal und Stufe", "Top-down vs bottom-up"),
    "02.top_down": ("Top-down (Ziel)", "Top-down (target)"),
    "02.bottom_up": ("Bottom-up (Funnel)", "Bottom-up (funnel)"),
    "02.gap_chart": ("Neukunden je Monat", "New customers per month"),
    "02.gap_text": (
        "Das Ziel verlangt {top_down} Neukunden, der geplante Funnel liefert {bottom_up}: "
        "die Differenz muss über mehr Leads, bessere Umwandlung oder ein kleineres Ziel "
        "geschlossen werden.",
        "The target asks for {top_down} new customers, the planned funnel delivers "
        "{bottom_up}: close the gap with more leads, better conversion or a smaller target.",
    ),
    "02.mrr_path": ("MRR mit Churn-Pfad", "MRR with churn path"),
    "02.mrr_constant": ("MRR bei konstantem Churn", "MRR at constant churn"),
    "02.mrr_chart": ("MRR im Planjahr", "MRR over the plan"),
    "02.mrr_text": (
        "Mit dem geplanten Churn-Verlauf endet das Jahr bei {mrr_end} MRR, bei konstantem "
        "Churn bei {mrr_constant}: so viel hängt am Senken der Abwanderung.",
        "With the planned churn path the year ends at {mrr_end} MRR, at constant churn at "
        "{mrr_constant}: that much depends on lowering churn.",
    ),
    "02.findings": ("Befunde zur Machbarkeit", "Feasibility findings"),
    "02.bases": (
        "Zwei Grundlagen nebeneinander: was der Plan finanziert und was das Ziel kostet",
        "Two bases side by side: what the plan funds and what the target costs",
    ),
    "02.bases_text": (
        "Mit den geplanten Leads kommen {funnel_new} Neukunden und ein MRR von "
        "{funnel_mrr} zum Planende; das Ziel von {target_new} Neukunden ({target_mrr} "
        "MRR) kostet {target_cost} statt {funnel_cost}. Jede Zahl dieses Berichts rechnet "
        "auf der Grundlage „{basis}“.",
        "The planned leads bring {funnel_new} new customers and an MRR of {funnel_mrr} at "
        "plan end; the target of {target_new} new customers ({target_mrr} MRR) costs "
        "{target_cost} instead of {funnel_cost}. Every figure of this report is on the "
        "'{basis}' basis.",
    ),
    "value.funnel": ("Trichter: geplante Leads", "Funnel: planned leads"),
    "value.target": ("Ziel: erreicht und bezahlt", "Target: reached and paid for"),
    "col.basis": ("Grundlage", "Basis"),
    "col.cash_start_eur": ("Vertriebsliquidität Planstart", "Sales cash at plan start"),
    "col.cash_low_point_eur": ("Tiefpunkt Vertriebsliquidität", "Sales cash low point"),
    "col.company_cash_low_point_eur": (
        "Tiefpunkt Unternehmensliquidität",
        "Company cash low point",
    ),
    "col.p_hit_mrr_target": ("Chance MRR-Ziel", "Chance of the MRR target"),
    # --- 03 target groups ------------------------------------------------------------
    "03.title": (
        "## Zielgruppen und Positionierung: {region}\n\nWer sind die Kunden, welche "
        "Segmente lohnen sich, und wie positioniert sich das Angebot?",
        "## Target groups and positioning: {region}\n\nWho are the customers, which "
        "segments pay off, and how is the offer positioned?",
    ),
    "03.abc": ("ABC-Analyse der Kunden", "ABC analysis of customers"),
    "03.abc_chart": ("Umsatzanteil je ABC-Klasse", "Revenue share per ABC class"),
    "03.abc_text": (
        "{customers} der Kunden (A-Kunden) bringen {revenue} des Umsatzes: sie verdienen "
        "Betreuung durch den Vertrieb, die übrigen skalierbare Kanäle.",
        "{customers} of customers (A customers) bring {revenue} of revenue: they deserve "
        "sales attention, the others scalable channels.",
    ),
    "03.segments": ("Segmente", "Segments"),
    "03.attractiveness": ("Attraktivität je Segment", "Attractiveness per segment"),
    "03.segments_text": (
        "Das attraktivste Segment ist {segment} (Punktwert {score}); dorthin sollten "
        "Budget und Vertriebszeit zuerst fließen.",
        "The most attractive segment is {segment} (score {score}); budget and sales time "
        "should go there first.",
    ),
    "03.segments_caveat": (
        "**Achtung:** {segment} beruht auf nur {n} Kunden (unter 30); Punktwert und "
        "Kennzahlen des Segments sind ein Hinweis, kein Beleg.",
        "**Caution:** {segment} rests on only {n} customers (fewer than 30); the "
        "segment's score and figures are a hint, not evidence.",
    ),
    "03.personas": ("Buyer Personas", "Buyer personas"),
    "03.persona_links": ("Personas, Segmente und Kanäle", "Personas, segments and channels"),
    "03.personas_text": (
        "Jede Persona ist mit den Segmenten und Kanälen verknüpft, über die sie erreicht "
        "wird; die Kennzahlen dieser Segmente und Kanäle zeigen, welche Persona sich lohnt.",
        "Each persona is linked to the segments and channels that reach it; their figures "
        "show which persona pays off.",
    ),
    "03.positioning": ("Positionierung im Wettbewerb", "Positioning against competitors"),
    "03.positioning_text": ("Positionierung: *{statement}*", "Positioning: *{statement}*"),
    # --- 04 channels -----------------------------------------------------------------
    "04.title": (
        "## Vertriebskanäle: {region}\n\nWelche Kanäle liefern die Neukunden, und wie "
        "viele Leads braucht jeder Kanal dafür?",
        "## Sales channels: {region}\n\nWhich channels deliver the new customers, and how "
        "many leads does each channel need for them?",
    ),
    "04.channels": ("Kanäle: geplante und benötigte Leads", "Channels: planned vs required"),
    "04.coverage_chart": (
        "Deckung: geplante ÷ benötigte Leads",
        "Coverage: planned ÷ required leads",
    ),
    "04.coverage_text": (
        "Kanäle unter 100 % Deckung ({channels}) liefern nicht die Leads, die das Ziel "
        "braucht; es {missing|fehlt|fehlen} insgesamt {missing} {missing|Lead|Leads} im "
        "Planjahr.",
        "Channels below 100 % coverage ({channels}) do not deliver the leads the target "
        "needs; {missing} {missing|lead is|leads are} missing over the plan year.",
    ),
    "04.required_table": ("Benötigte Leads je Monat und Kanal", "Required leads per month"),
    "04.required_chart": ("Benötigte Leads je Monat", "Required leads per month"),
    "04.required_text": (
        "So viele Leads je Kanal und Monat braucht das Neukundenziel bei den geplanten "
        "Umwandlungsraten und Zykluszeiten (umgekehrter Funnel).",
        "This many leads per channel and month does the new-customer target need at the "
        "planned conversions and cycle times (reverse funnel).",
    ),
    # --- 05 organisation -----------------------------------------------------------
    "05.title": (
        "## Organisation und Ressourcen: {region}\n\nWer macht was, womit? Team, "
        "Einarbeitung, Kapazität, Struktur und Provisionen.",
        "## Organisation and resources: {region}\n\nWho does what, with what? Team, "
        "ramp-up, capacity, structure and commissions.",
    ),
    "05.organisation": ("Vertriebsteam und Kapazität je Monat", "Sales team and capacity"),
    "05.capacity": ("Kapazität (Abschlüsse)", "Capacity (deals)"),
    "05.required": ("Benötigte Abschlüsse", "Required deals"),
    "05.capacity_chart": ("Kapazität gegen Bedarf", "Capacity vs required deals"),
    "05.capacity_text": (
        "In {short} reicht die Kapazität des Teams nicht für die geplanten "
        "Abschlüsse. Vertriebsmitarbeiter am Ende des Plans: {heads}.",
        "In {short} the team's capacity falls short of the planned deals. Sales reps "
        "at the end of the plan: {heads}.",
    ),
    "05.roles": ("Rollen, Einstellungen und Einarbeitung", "Roles, hires and ramp-up"),
    "05.structure": ("Teams und Werkzeuge", "Teams and tools"),
    "05.structure_text": (
        "Die Teams sind nach Lead-Quelle geschnitten; jede Einstellung muss einem Team und "
        "seinem Kanal zugeordnet sein, damit Kapazität dort entsteht, wo die Leads ankommen.",
        "Teams are cut by lead source; each hire belongs to a team and its channel, so "
        "capacity grows where the leads arrive.",
    ),
    "05.commission_text": (
        "Provisionen im Plan: {total} (Vertrieb {reps}, Partner {partners}).",
        "Commissions in the plan: {total} (reps {reps}, partners {partners}).",
    ),
    # --- 06 budget -------------------------------------------------------------------
    "06.title": (
        "## Budget und Finanzen: {region}\n\nWas kostet der Plan, und was bringt er ein?",
        "## Budget and finance: {region}\n\nWhat does the plan cost, and what does it bring in?",
    ),
    "06.budget_monthly": ("Kosten je Kategorie und Monat", "Cost per category and month"),
    "06.budget_chart": ("Kosten je Monat", "Cost per month"),
    "06.budget_categories": ("Budget gegen Plankosten", "Budget vs planned cost"),
    "06.budget_text": (
        "Budget {budget}, geplante Kosten {cost}: die Differenz zeigt, wo der Plan mehr "
        "ausgibt als vorgesehen.",
        "Budget {budget}, planned cost {cost}: the difference shows where the plan spends "
        "more than provided.",
    ),
    "06.profitability": (
        "Umsatz, Deckungsbeitrag und Liquidität je Monat",
        "Revenue, contribution margin and cash per month",
    ),
    "06.margin_text": (
        "Über den Plan stehen {revenue} Umsatz einem Deckungsbeitrag von {margin} gegenüber "
        "(nach Rohertrag und Vertriebskosten).",
        "Over the plan, {revenue} of revenue leave a contribution margin of {margin} "
        "(after gross margin and sales cost).",
    ),
    "06.cash": ("Vertriebsliquidität", "Sales cash"),
    "06.company_cash": ("Unternehmensliquidität", "Company cash"),
    "06.cash_chart": ("Kumulierte Liquidität", "Cumulative cash"),
    "06.roi_text": (
        "ROI {roi}: der Lebenszeitwert der Neukunden ({ltv}, bei einer erwarteten "
        "Kundenlebensdauer von {life} Monaten) abzüglich aller Vertriebs- und "
        "Marketingkosten, im Verhältnis zu diesen Kosten; CAC voll belastet {cac}. Die "
        "Vertriebsliquidität hat ihren Tiefpunkt bei {low} ({month}), die "
        "Unternehmensliquidität (nach Umsatzkosten und sonstigen Betriebskosten) bei "
        "{company_low}.",
        "ROI {roi}: the new customers' lifetime value ({ltv}, at an expected customer "
        "lifetime of {life} months) net of all sales and marketing cost, relative to that "
        "cost; CAC fully loaded {cac}. Sales cash bottoms out at {low} ({month}), company "
        "cash (after cost of revenue and other operating cost) at {company_low}.",
    ),
    # --- 07 controlling --------------------------------------------------------------
    "07.title": (
        "## Controlling: {region}\n\nIst-Daten bis {as_of}. Wie überprüfen wir den Erfolg, "
        "und wo passen wir an?",
        "## Controlling: {region}\n\nActuals up to {as_of}. How do we check success, and "
        "where do we adapt?",
    ),
    "07.kpis": ("KPIs der Ist-Daten je Monat", "KPIs of the actuals per month"),
    "07.variance": ("Soll-Ist seit Jahresbeginn", "Plan vs actual, year to date"),
    "07.pva_chart": ("Neukunden je Monat: Soll und Ist", "New customers: plan and actual"),
    "07.variance_text": (
        "{off} von {total} Kennzahlen {off|ist|sind} seit Jahresbeginn kritisch (unter 85 % "
        "des Plans): dort setzen die Maßnahmen an.",
        "{off} of {total} KPIs {off|is|are} off track year to date (below 85 % of plan): that is "
        "where the actions start.",
    ),
    "07.execution": (
        "Neukunden-Lücke je Kanal: Plan nie finanziert oder Umsetzung",
        "New-customer gap per channel: plan never funded or execution",
    ),
    "07.execution_text": (
        "Die Lücke zum Plan (Plan − Ist) ist zerlegt: **Plan nie finanziert** ist, was die "
        "geplanten Leads und Konversionen nie liefern konnten (Plan − Funnel-Plan), "
        "**Umsetzung** ist, was hinter diesen eigenen Aktivitäten zurückbleibt "
        "(Funnel-Plan − Ist). Gesamt: {gap} Neukunden, davon {planning} nie finanziert und "
        "{execution} Umsetzung. {channel} erreicht {att} seines Zielanteils, aber "
        "{att_x} dessen, was seine geplanten Leads erlauben; die Regeln urteilen über die "
        "Umsetzung.",
        "The gap to plan (plan − actual) is split: **plan never funded** is what the planned "
        "leads and conversions could never deliver (plan − funnel plan), **execution** is "
        "what falls short of these own activities (funnel plan − actual). Total: {gap} new "
        "customers, {planning} never funded and {execution} execution. {channel} reaches "
        "{att} of its share of the target but {att_x} of what its planned leads allow; the "
        "rules judge execution.",
    ),
    "07.mrr_bridge": (
        "MRR-Brücke: Plan gegen Ist seit Planbeginn",
        "MRR bridge: plan vs actual since plan start",
    ),
    "07.mrr_bridge_text": (
        "Abweichung des MRR zum Stichtag (Ist − Plan): {closing}, davon Startbasis "
        "{opening}, Neu-MRR {new}, Expansion {expansion}, Kontraktion {contraction} und "
        "Abwanderung {churn}; die Bausteine addieren sich zur Abweichung des MRR.",
        "Variance of the closing MRR (actual − plan): {closing}, of which opening base "
        "{opening}, new MRR {new}, expansion {expansion}, contraction {contraction} and "
        "churn {churn}; the components add up to the variance of the closing MRR.",
    ),
    "07.effects": (
        "Abweichung zerlegt in Mengen-, Mix- und Preiseffekt",
        "Variance split into volume, mix and price effects",
    ),
    "07.effects_text": (
        "Die drei Effekte addieren sich zur gesamten Abweichung: der Mengeneffekt zeigt "
        "fehlende Abschlüsse, der Preiseffekt kleinere Aufträge, der Mixeffekt eine "
        "Verschiebung zwischen Kanälen oder Segmenten.",
        "The three effects add up to the total variance: volume shows missing deals, price "
        "smaller deals, mix a shift between channels or segments.",
    ),
    "07.actions": ("Anpassungsregeln und Maßnahmen", "Adaptation rules and actions"),
    "07.evidence": (
        "Belege der Regeln: Monate mit Wert, Plan und Bedingung",
        "Rule evidence: months with value, plan and condition",
    ),
    "07.evidence_text": (
        "Ein Monat mit unvollständiger Kohorte (die Leads sind noch zu jung) wird gezeigt, "
        "zählt aber nicht: auch ein Wert unter der Schwelle löst dort keine Regel aus.",
        "A month whose cohort is incomplete (its leads are still too young) is shown but "
        "does not count: even a value below the threshold triggers no rule there.",
    ),
    "07.actions_text": (
        "{n} von {total} Regeln {n|ist|sind} ausgelöst; die Maßnahmen stehen in der Tabelle.",
        "{n} of {total} rules {n|is|are} triggered; the actions are listed in the table.",
    ),
    "07.landing": ("Hochrechnung zum Jahresende", "Year-end landing"),
    "07.landing_path": ("Hochrechnung je Monat", "Landing per month"),
    "07.landing_line": ("Ist + Prognose", "Actual + forecast"),
    "07.landing_chart": (
        "Neukunden kumuliert: Plan und Hochrechnung",
        "Cumulative new customers: plan and landing",
    ),
    "07.landing_targets": ("Ziele gegen Hochrechnung", "Targets vs landing"),
    "07.landing_text": (
        "Bisher {actual} Neukunden; mit der rollierenden Prognose für die restlichen Monate "
        "landet das Jahr bei {landing} statt der geplanten {plan}.",
        "So far {actual} new customers; with the rolling forecast for the remaining months "
        "the year lands at {landing} instead of the planned {plan}.",
    ),
    # --- 08 consolidation ------------------------------------------------------------
    "08.title": (
        "## Konsolidierung\n\nRegionen: {regions}.",
        "## Consolidation\n\nRegions: {regions}.",
    ),
    "08.missing": (
        "**Achtung:** Es fehlen die Regionen {regions}; die Summen sind unvollständig.",
        "**Warning:** the regions {regions} are missing; the totals are incomplete.",
    ),
    "08.regions": ("Kennzahlen je Region und Gesamt", "Key figures per region and total"),
    "08.plan_monthly": ("Konsolidierter Monatsplan", "Consolidated monthly plan"),
    "08.total_text": (
        "Das Unternehmen plant {new} Neukunden und endet bei {mrr} MRR; Budget {budget}, "
        "CAC (voll) {cac}.",
        "The company plans {new} new customers and ends at {mrr} MRR; budget {budget}, "
        "fully loaded CAC {cac}.",
    ),
    "08.plan_text": (
        "Der konsolidierte Monatsplan (Tabelle 08_plan_monthly) addiert Beträge und "
        "Anzahlen der Regionen; Quoten wie der Churn werden nicht addiert.",
        "The consolidated monthly plan (table 08_plan_monthly) adds the regions' amounts and "
        "counts; rates such as churn are not added.",
    ),
    "08.new_chart": ("Neukunden je Region", "New customers per region"),
    "08.mrr": ("MRR", "MRR"),
    "08.mrr_chart": ("Konsolidierter MRR", "Consolidated MRR"),
    # --- key figures ---------------------------------------------------------------
    "kf.customers_start": ("Kunden Planstart", "Customers at start"),
    "kf.customers_end": ("Kunden Planende", "Customers at end"),
    "kf.new_customers": ("Neukunden", "New customers"),
    "kf.churned_customers": ("Abgewanderte Kunden", "Churned customers"),
    "kf.mrr_start": ("MRR Planstart", "MRR at start"),
    "kf.mrr_end": ("MRR Planende", "MRR at end"),
    "kf.arr_end": ("ARR Planende", "ARR at end"),
    "kf.budget_total": ("Budget gesamt", "Total budget"),
    "kf.cac_fully_loaded": ("CAC (voll)", "CAC (fully loaded)"),
    "kf.clv": ("CLV", "CLV"),
    "kf.ltv_to_cac": ("LTV:CAC", "LTV:CAC"),
    "kf.cash_low_point": ("Liquiditätstiefpunkt", "Cash low point"),
    "kf.history_customers": ("Kunden (Historie)", "Customers (history)"),
    "kf.history_mrr": ("MRR (Historie)", "MRR (history)"),
    "kf.history_new_customers_last_year": ("Neukunden Vorjahr", "New customers last year"),
    "kf.regions": ("Regionen", "Regions"),
    "kf.forecast_new_customers": ("Prognose Neukunden", "Forecast new customers"),
    "kf.landing_new_customers": ("Hochrechnung Neukunden", "Landing new customers"),
    # --- table columns (display and Excel headers; ``col.<table>.<name>`` wins) -------
    "col.year": ("Jahr", "Year"),
    "col.month": ("Monat", "Month"),
    "col.period": ("Zeitraum", "Period"),
    "col.region": ("Region", "Region"),
    "col.channel": ("Kanal", "Channel"),
    "col.segment": ("Segment", "Segment"),
    "col.code": ("Thema", "Topic"),
    "col.caveat": ("Hinweis", "Note"),
    "caveat.few": (
        "nur {n} {n|Beobachtung|Beobachtungen} (unter 30): Hinweis, kein Beleg",
        "only {n} {n|observation|observations} (fewer than 30): a hint, not evidence",
    ),
    "col.text": ("Befund", "Finding"),
    "col.severity": ("Schweregrad", "Severity"),
    "col.label": ("Bezeichnung", "Label"),
    "col.description": ("Beschreibung", "Description"),
    "col.unit": ("Einheit", "Unit"),
    "col.value": ("Wert", "Value"),
    "col.line_item": ("Position", "Line item"),
    "col.revenue_eur": ("Umsatz", "Revenue"),
    "col.revenue_yoy": ("Wachstum ggü. Vorjahr", "YoY growth"),
    "col.mrr_end_eur": ("MRR Jahresende", "MRR at year end"),
    "col.customers_end": ("Kunden Jahresende", "Customers at year end"),
    "col.won_deals": ("Abschlüsse", "Deals won"),
    "col.bookings_eur": ("Auftragseingang", "Bookings"),
    "col.leads": ("Leads", "Leads"),
    "col.mql": ("MQL", "MQL"),
    "col.sql": ("SQL", "SQL"),
    "col.demo": ("Demos", "Demos"),
    "col.won": ("Abschlüsse", "Won"),
    "col.transition": ("Übergang", "Stage transition"),
    "col.entered": ("Eingetreten", "Entered"),
    "col.converted": ("Umgewandelt", "Converted"),
    "col.conversion_rate": ("Umwandlungsrate", "Conversion rate"),
    "col.mature_cohorts": ("Reife Kohorten", "Mature cohorts"),
    "col.immature_cohorts": ("Unreife Kohorten", "Immature cohorts"),
    "col.entered_immature": ("Eingetreten (unreif)", "Entered (immature)"),
    "col.closed_deals": ("Entschiedene Deals", "Closed deals"),
    "col.lost_deals": ("Verlorene Deals", "Lost deals"),
    "col.win_rate": ("Gewinnrate", "Win rate"),
    "col.avg_deal_size_eur": ("Ø Auftragsgröße", "Avg. deal size"),
    "col.avg_new_mrr_eur": ("Ø neuer MRR", "Avg. new MRR"),
    "col.cycle_median_days": ("Verkaufszyklus Median (Tage)", "Sales cycle median (days)"),
    "col.cycle_p80_days": ("Verkaufszyklus 80 % (Tage)", "Sales cycle 80th pct. (days)"),
    "col.new_customers": ("Neukunden", "New customers"),
    "col.marketing_cost_eur": ("Marketingkosten", "Marketing cost"),
    "col.direct_cost_eur": ("Direkte Kosten", "Direct cost"),
    "col.allocated_cost_eur": ("Umgelegte Kosten", "Allocated cost"),
    "col.total_cost_eur": ("Gesamtkosten", "Total cost"),
    "col.cac_stated_eur": ("CAC (nur Marketing)", "CAC (marketing only)"),
    "col.cac_fully_loaded_eur": ("CAC (voll)", "CAC (fully loaded)"),
    "col.method": ("Methode", "Method"),
    "col.clv_eur": ("CLV", "CLV"),
    "col.competitor": ("Wettbewerber", "Competitor"),
    "col.price_monthly_eur": ("Preis je Monat", "Price per month"),
    "col.positioning": ("Positionierung", "Positioning"),
    "col.strengths": ("Stärken", "Strengths"),
    "col.weaknesses": ("Schwächen", "Weaknesses"),
    "col.mean": ("Erwartung", "Expected"),
    "col.lo_80": ("80 %-Intervall unten", "80% interval low"),
    "col.hi_80": ("80 %-Intervall oben", "80% interval high"),
    "col.lo_95": ("95 %-Intervall unten", "95% interval low"),
    "col.hi_95": ("95 %-Intervall oben", "95% interval high"),
    "col.model": ("Modell", "Model"),
    "col.market_size_eur": ("Marktvolumen", "Market size"),
    "col.growth_rate_yearly": ("Marktwachstum p. a.", "Market growth p.a."),
    "col.market_size_next_year_eur": ("Marktvolumen Folgejahr", "Market size next year"),
    "col.company_revenue_eur": ("Eigener Umsatz", "Own revenue"),
    "col.market_share": ("Marktanteil", "Market share"),
    "col.quadrant": ("Quadrant", "Quadrant"),
    "col.internal": ("Intern", "Internal"),
    "col.item": ("Punkt", "Item"),
    "col.stage": ("Stufe", "Stage"),
    "col.top_down": ("Top-down", "Top-down"),
    "col.bottom_up": ("Bottom-up", "Bottom-up"),
    "col.gap": ("Lücke", "Gap"),
    "col.coverage": ("Deckung", "Coverage"),
    "col.metric": ("Kennzahl", "Metric"),
    "col.baseline": ("Ausgangswert", "Baseline"),
    "col.target": ("Ziel", "Target"),
    "col.plan": ("Plan", "Plan"),
    "col.hit": ("Erreicht", "Met"),
    "col.met": ("Erreicht", "Met"),
    "col.deadline": ("Frist", "Deadline"),
    "col.owner": ("Verantwortlich", "Owner"),
    "col.abc_class": ("ABC-Klasse", "ABC class"),
    "col.customers": ("Kunden", "Customers"),
    "col.customer_share": ("Kundenanteil", "Share of customers"),
    "col.revenue_share": ("Umsatzanteil", "Revenue share"),
    "col.persona": ("Persona", "Persona"),
    "col.link": ("Verknüpfung", "Link"),
    "col.key": ("Segment oder Kanal", "Segment or channel"),
    "col.in_data": ("In den Daten", "In the data"),
    "col.attractiveness": ("Attraktivität", "Attractiveness"),
    "col.new_customer_share": ("Anteil an Neukunden", "Share of new customers"),
    "col.age": ("Alter", "Age"),
    "col.role": ("Rolle", "Role"),
    "col.goals": ("Ziele", "Goals"),
    "col.pains": ("Probleme", "Pains"),
    "col.info_channels": ("Informationskanäle", "Information channels"),
    "col.segments": ("Segmente", "Segments"),
    "col.channels": ("Kanäle", "Channels"),
    "col.provider": ("Anbieter", "Provider"),
    "col.own": ("Eigenes Angebot", "Own offer"),
    "col.revenue_prev_eur": ("Umsatz Vorjahr", "Revenue previous year"),
    "col.revenue_growth": ("Umsatzwachstum", "Revenue growth"),
    "col.cac_eur": ("CAC", "CAC"),
    "col.arpa_eur": ("ARPA", "ARPA"),
    "col.churn_rate_monthly": ("Abwanderung je Monat", "Monthly churn"),
    "col.score_revenue": ("Punkte Umsatz", "Score revenue"),
    "col.score_growth": ("Punkte Wachstum", "Score growth"),
    "col.score_win_rate": ("Punkte Gewinnrate", "Score win rate"),
    "col.score_deal_size": ("Punkte Auftragsgröße", "Score deal size"),
    "col.score_clv": ("Punkte CLV", "Score CLV"),
    "col.score_cac": ("Punkte CAC", "Score CAC"),
    "col.score_churn": ("Punkte Abwanderung", "Score churn"),
    "col.rank": ("Rang", "Rank"),
    "col.leads_planned": ("Leads geplant", "Leads planned"),
    "col.leads_required": ("Leads benötigt", "Leads required"),
    "col.mql_planned": ("MQL geplant", "MQL planned"),
    "col.mql_required": ("MQL benötigt", "MQL required"),
    "col.sql_planned": ("SQL geplant", "SQL planned"),
    "col.sql_required": ("SQL benötigt", "SQL required"),
    "col.demos_planned": ("Demos geplant", "Demos planned"),
    "col.demos_required": ("Demos benötigt", "Demos required"),
    "col.lead_coverage_share": ("Lead-Deckung", "Lead coverage"),
    "col.cost_per_won_eur": ("Marketingkosten je Neukunde", "Marketing cost per new customer"),
    "col.reps_heads": ("Vertriebsmitarbeiter", "Sales reps"),
    "col.reps_hired": ("Eingestellt", "Hired"),
    "col.reps_ramping": ("In Einarbeitung", "Ramping up"),
    "col.reps_productive": ("Produktiv", "Productive"),
    "col.capacity_deals": ("Kapazität (Abschlüsse)", "Capacity (deals)"),
    "col.required_rep_deals": ("Benötigte Abschlüsse", "Required deals"),
    "col.capacity_gap": ("Kapazitätslücke", "Capacity gap"),
    "col.commissions_reps_eur": ("Provisionen Vertrieb", "Commissions sales"),
    "col.commissions_partner_eur": ("Provisionen Partner", "Commissions partners"),
    "col.heads_start": ("Köpfe zu Beginn", "Heads at start"),
    "col.hires": ("Einstellungen (Anzahl × Monat)", "Hires (count × month)"),
    "col.salary_yearly_eur": ("Jahresgehalt", "Yearly salary"),
    "col.deals_per_month": ("Abschlüsse je Monat", "Deals per month"),
    "col.ramp_months": ("Einarbeitung (Monate)", "Ramp-up (months)"),
    "col.attrition_yearly_share": ("Fluktuation p. a.", "Attrition p.a."),
    "col.quota_yearly_eur": ("Jahresquote", "Yearly quota"),
    "col.team": ("Team", "Team"),
    "col.owns": ("Verantwortet", "Owns"),
    "col.category": ("Kategorie", "Category"),
    "col.budget_eur": ("Budget", "Budget"),
    "col.planned_cost_eur": ("Plankosten", "Planned cost"),
    "col.06_budget_categories.budget_eur": ("Budget (Planzeitraum)", "Budget (plan period)"),
    "col.06_budget_categories.variance_eur": (
        "Abweichung (Kosten − Budget), positiv = über Budget",
        "Variance (cost − budget), positive = over budget",
    ),
    "col.cost_share": ("Kostenanteil", "Cost share"),
    "col.variance_eur": ("Abweichung", "Variance"),
    "col.gross_profit_eur": ("Rohertrag", "Gross profit"),
    "col.cost_total_eur": ("Vertriebskosten", "Sales cost"),
    "col.contribution_margin_eur": ("Deckungsbeitrag", "Contribution margin"),
    "col.cash_in_eur": ("Einzahlungen", "Cash in"),
    "col.cash_out_eur": ("Auszahlungen", "Cash out"),
    "col.cash_balance_eur": ("Liquidität", "Cash balance"),
    "col.rule": ("Regel", "Rule"),
    "col.member": ("Ausprägung", "Member"),
    "col.share_of_plan": ("Anteil am Plan", "Share of plan"),
    "col.share_of_plan_funnel": ("Anteil am Funnel-Plan", "Share of funnel plan"),
    "col.condition_met": ("Bedingung erfüllt", "Condition met"),
    "col.cohort_incomplete": ("Kohorte unvollständig", "Cohort incomplete"),
    "col.triggered": ("Ausgelöst", "Triggered"),
    "col.months": ("Monate", "Months"),
    "col.action": ("Maßnahme", "Action"),
    "col.measure": ("Größe", "Measure"),
    "col.dimension": ("Dimension", "Dimension"),
    "col.plan_volume": ("Menge Plan", "Volume plan"),
    "col.actual_volume": ("Menge Ist", "Volume actual"),
    "col.plan_price_eur": ("Preis Plan", "Price plan"),
    "col.actual_price_eur": ("Preis Ist", "Price actual"),
    "col.plan_eur": ("Plan", "Plan"),
    "col.actual_eur": ("Ist", "Actual"),
    "col.volume_effect_eur": ("Mengeneffekt", "Volume effect"),
    "col.mix_effect_eur": ("Mixeffekt", "Mix effect"),
    "col.price_effect_eur": ("Preiseffekt", "Price effect"),
    "col.figure": ("Kennzahl", "Figure"),
    "col.actual_to_date": ("Ist bisher", "Actual to date"),
    "col.forecast_rest": ("Prognose Restjahr", "Forecast rest of year"),
    "col.landing": ("Hochrechnung", "Landing"),
    "col.vs_plan": ("Hochrechnung − Plan", "Landing − plan"),
    "col.actual": ("Ist", "Actual"),
    "col.forecast": ("Prognose", "Forecast"),
    "col.plan_cumulative": ("Plan kumuliert", "Plan cumulative"),
    "col.landing_cumulative": ("Hochrechnung kumuliert", "Landing cumulative"),
    "col.kpi": ("Kennzahl", "KPI"),
    "col.variance": ("Abweichung", "Variance"),
    "col.attainment": ("Zielerreichung", "Attainment"),
    "col.status": ("Status", "Status"),
    "col.plan_funnel": (
        "Plan aus eigenen Aktivitäten (Funnel)",
        "Plan from own activities (funnel)",
    ),
    "col.gap_planning": ("Plan nie finanziert", "Plan never funded"),
    "col.component": ("Baustein", "Component"),
    "col.gap_execution": ("Umsetzung", "Execution"),
    "col.attainment_execution": ("Erreichung gegen Funnel-Plan", "Attainment vs funnel plan"),
    "col.status_execution": ("Status Umsetzung", "Execution status"),
    "col.cost_total": ("Vertriebskosten", "Sales cost"),
    "col.churned_customers": ("Abgewanderte Kunden", "Churned customers"),
    "col.lifetime_value_new_customers_eur": (
        "Lebenszeitwert Neukunden",
        "Lifetime value of new customers",
    ),
    "col.ltv_to_cac": ("LTV:CAC", "LTV:CAC"),
    "col.08_regions.customers_end": ("Kunden Planende", "Customers at plan end"),
    "col.08_regions.mrr_start_eur": ("MRR Planstart", "MRR at plan start"),
    "col.08_regions.mrr_end_eur": ("MRR Planende", "MRR at plan end"),
    "col.08_regions.arr_end_eur": ("ARR Planende", "ARR at plan end"),
    "col.08_regions.budget_total_eur": ("Budget gesamt", "Total budget"),
    # --- table values (codes shown with their label) --------------------------------
    "stage.lead": ("Lead", "Lead"),
    "stage.entry": ("Leads (Eingang)", "Leads (entry)"),
    "stage.demos": ("Demos", "Demos"),
    "value.all": ("Alle Kanäle", "All channels"),
    "value.total": ("Gesamt", "Total"),
    "value.Gesamt": ("Gesamt", "Total"),
    "value.reps": ("Vertriebsteam", "Sales team"),
    "value.true": ("ja", "yes"),
    "value.false": ("nein", "no"),
    "severity.critical": ("kritisch", "critical"),
    "severity.warning": ("Warnung", "warning"),
    "severity.info": ("Hinweis", "note"),
    "unit.EUR": ("EUR", "EUR"),
    "unit.count": ("Anzahl", "count"),
    "unit.share": ("Anteil", "share"),
    "swot.strengths": ("Stärken", "Strengths"),
    "swot.weaknesses": ("Schwächen", "Weaknesses"),
    "swot.opportunities": ("Chancen", "Opportunities"),
    "swot.threats": ("Risiken", "Threats"),
    "clv.empirical": ("empirisch (Kohorten)", "empirical (cohorts)"),
    "clv.formula": ("Formel (ARPA × Marge ÷ Churn)", "formula (ARPA × margin ÷ churn)"),
    "dim.channel": ("Kanal", "Channel"),
    "dim.segment": ("Segment", "Segment"),
    "dim.product": ("Produkt", "Product"),
    "dim.total": ("Gesamt", "Total"),
    "role.inside_sales": ("Innendienst", "Inside sales"),
    "role.field_sales": ("Außendienst", "Field sales"),
    "role.partner_manager": ("Partnermanager", "Partner manager"),
    # --- finding topics (the finding's code, shown as its topic) ---------------------
    "finding.abc_concentration": ("Kundenkonzentration (ABC)", "Customer concentration (ABC)"),
    "finding.cac_vs_clv": ("CAC und CLV", "CAC and CLV"),
    "finding.channel_mix_vs_conversion": ("Kanalmix und Umwandlung", "Channel mix and conversion"),
    "finding.churn_level": ("Abwanderung", "Churn"),
    "finding.funnel_bottleneck": ("Engpass im Funnel", "Funnel bottleneck"),
    "finding.immature_cohorts": ("Unreife Lead-Kohorten", "Immature lead cohorts"),
    "finding.market_position": ("Marktposition", "Market position"),
    "finding.mrr_development": ("MRR-Entwicklung", "MRR development"),
    "finding.new_customer_mix": ("Neukundenmix", "New-customer mix"),
    "finding.sales_cycle_gap": ("Verkaufszyklus", "Sales cycle"),
    "finding.segment_attractiveness": ("Attraktivität der Segmente", "Segment attractiveness"),
    "finding.budget_categories_mismatch": (
        "Budgetkategorien passen nicht zum Gesamtbudget",
        "Budget categories do not add up",
    ),
    "finding.cac_fully_loaded_above_target": (
        "CAC (voll) über dem Ziel",
        "Fully loaded CAC above target",
    ),
    "finding.capacity_short": ("Vertriebskapazität zu knapp", "Sales capacity short"),
    "finding.cash_negative": ("Vertriebsliquidität negativ", "Sales cash negative"),
    "finding.clv_inconsistent": ("CLV nicht stimmig", "CLV inconsistent"),
    "finding.commissions_not_budgeted": (
        "Provisionen nicht budgetiert",
        "Commissions not budgeted",
    ),
    "finding.target_leads_cost": (
        "Leads für das Ziel kosten mehr als geplant",
        "Leads the target needs cost more than planned",
    ),
    "finding.cost_from_budget": ("Kosten aus dem Budget übernommen", "Cost copied from budget"),
    "finding.budget_missing": ("Kein Budget angegeben", "No budget given"),
    "finding.company_cash_negative": (
        "Unternehmensliquidität negativ",
        "Company cash negative",
    ),
    "finding.clv_lifetime_capped": ("Kundenlebensdauer begrenzt", "Customer lifetime capped"),
    "finding.cost_over_budget": ("Kosten über Budget", "Cost over budget"),
    "finding.funnel_below_target": ("Funnel unter dem Ziel", "Funnel below target"),
    "finding.lead_shares_not_one": (
        "Lead-Anteile ergeben nicht 100 %",
        "Lead shares do not add up to 100 %",
    ),
    "finding.leads_above_history": ("Leads über der Historie", "Leads above history"),
    "finding.leads_short": ("Zu wenige Leads", "Too few leads"),
    "finding.target_deadline_outside_horizon": (
        "Zielfrist außerhalb des Plans",
        "Target deadline outside the plan",
    ),
    "finding.target_without_baseline": ("Ziel ohne Ausgangswert", "Target without baseline"),
    "finding.target_unit_mismatch": ("Zieleinheit passt nicht", "Target unit mismatch"),
    "finding.target_share_out_of_range": (
        "Zielanteil außerhalb 0–100 %",
        "Target share outside 0–100 %",
    ),
    "finding.target_unrealistic": ("Ziel unrealistisch", "Target unrealistic"),
    "finding.target_ambitious": ("Ziel ehrgeizig", "Target ambitious"),
    "finding.mrr_target_reached": ("MRR-Ziel erreicht", "MRR target reached"),
    "finding.mrr_target_missed": ("MRR-Ziel verfehlt", "MRR target missed"),
    "finding.mrr_target_needs_churn_path": (
        "MRR-Ziel braucht sinkenden Churn",
        "MRR target needs falling churn",
    ),
    # --- plan line items (monthly plan) -----------------------------------------------
    "line.leads_basis": (
        "Bezahlte Leads (Eingangsstufe, auf der Grundlage des Plans)",
        "Paid leads (entry stage, on the plan's basis)",
    ),
    "line.marketing_planned": (
        "Marketingkosten der geplanten Leads",
        "Marketing cost of the planned leads",
    ),
    "line.cost_of_revenue": ("Umsatzkosten", "Cost of revenue"),
    "line.cost_other_operating": ("Sonstige Betriebskosten", "Other operating cost"),
    "line.company_cash_out": ("Auszahlungen Unternehmen", "Company cash out"),
    "line.company_cash_balance": ("Unternehmensliquidität", "Company cash"),
    "line.mrr_start": ("MRR Monatsanfang", "MRR at month start"),
    "line.mrr_new": ("Neuer MRR", "New MRR"),
    "line.mrr_expansion": ("MRR-Erweiterung", "MRR expansion"),
    "line.mrr_contraction": ("MRR-Verringerung", "MRR contraction"),
    "line.mrr_churned": ("Abgewanderter MRR", "Churned MRR"),
    "line.mrr_end": ("MRR Monatsende", "MRR at month end"),
    "line.mrr_end_churn_constant": (
        "MRR Monatsende bei konstantem Churn",
        "MRR at month end, constant churn",
    ),
    "line.arr_end": ("ARR Monatsende", "ARR at month end"),
    "line.revenue": ("Umsatz", "Revenue"),
    "line.first_year_revenue_new": ("Erstjahresumsatz Neukunden", "First-year revenue, new"),
    "line.gross_profit": ("Rohertrag", "Gross profit"),
    "line.contribution_margin": ("Deckungsbeitrag", "Contribution margin"),
    "line.churn_rate": ("Abwanderungsrate je Monat", "Monthly churn rate"),
    "line.customers_start": ("Kunden Monatsanfang", "Customers at month start"),
    "line.customers_new": ("Neukunden", "New customers"),
    "line.customers_new_funnel": ("Neukunden aus dem Funnel", "New customers from the funnel"),
    "line.customers_new_target": ("Neukunden laut Ziel", "New customers by target"),
    "line.customers_churned": ("Abgewanderte Kunden", "Churned customers"),
    "line.customers_end": ("Kunden Monatsende", "Customers at month end"),
    "line.leads_entry": ("Leads", "Leads"),
    "line.mql": ("MQL", "MQL"),
    "line.sql": ("SQL", "SQL"),
    "line.demos": ("Demos", "Demos"),
    "line.won": ("Abschlüsse", "Deals won"),
    "line.required_entry": ("Benötigte Leads", "Required leads"),
    "line.required_mql": ("Benötigte MQL", "Required MQL"),
    "line.required_sql": ("Benötigte SQL", "Required SQL"),
    "line.required_demos": ("Benötigte Demos", "Required demos"),
    "line.required_won": ("Benötigte Abschlüsse", "Required deals"),
    "line.required_rep_deals": ("Benötigte Abschlüsse Vertrieb", "Required deals, sales team"),
    "line.partners_signed": ("Neue Partner", "Partners signed"),
    "line.partners_active": ("Aktive Partner", "Active partners"),
    "line.reps_heads": ("Vertriebsmitarbeiter", "Sales reps"),
    "line.reps_hired": ("Einstellungen", "Hires"),
    "line.reps_leaving": ("Abgänge", "Leavers"),
    "line.reps_ramping": ("In Einarbeitung", "Ramping up"),
    "line.reps_productive": ("Produktive Mitarbeiter", "Productive reps"),
    "line.reps_needed": ("Benötigte Mitarbeiter", "Reps needed"),
    "line.capacity_deals": ("Kapazität (Abschlüsse)", "Capacity (deals)"),
    "line.capacity_gap": ("Kapazitätslücke", "Capacity gap"),
    "line.cost_personnel": ("Personalkosten", "Personnel cost"),
    "line.cost_marketing": ("Marketingkosten", "Marketing cost"),
    "line.cost_tools": ("Werkzeugkosten", "Tools cost"),
    "line.cost_training_travel": ("Schulung und Reisen", "Training and travel"),
    "line.cost_commissions": ("Provisionen", "Commissions"),
    "line.cost_other": ("Sonstige Kosten", "Other cost"),
    "line.cost_total": ("Vertriebskosten gesamt", "Total sales cost"),
    "line.cash_in": ("Einzahlungen", "Cash in"),
    "line.cash_out": ("Auszahlungen", "Cash out"),
    "line.cash_balance": ("Vertriebsliquidität", "Sales cash"),
}

KEY_FIGURE_UNITS: dict[str, Unit] = {
    "customers_start": "count",
    "customers_end": "count",
    "new_customers": "count",
    "churned_customers": "count",
    "mrr_start": "eur",
    "mrr_end": "eur",
    "arr_end": "eur",
    "budget_total": "eur",
    "cac_fully_loaded": "eur",
    "clv": "eur",
    "ltv_to_cac": "ratio",
    "cash_low_point": "eur",
    "history_customers": "count",
    "history_mrr": "eur",
    "history_new_customers_last_year": "count",
    "regions": "count",
    "forecast_new_customers": "count",
    "landing_new_customers": "count",
}


def text(key: str, locale: str = "de", **values: Any) -> str:
    """The label ``key`` in ``locale`` ('de' default, 'en'), with ``values`` filled in.

    Raises:
        KeyError: the label is not defined (the message names the closest keys).
    """
    try:
        de, en = LABELS[key]
    except KeyError:
        prefix = key.split(".")[0]
        near = [k for k in LABELS if k.startswith(prefix + ".")][:8]
        raise KeyError(f"no label {key!r} (labels with that prefix: {near})") from None
    template = en if locale == "en" else de
    template = _PLURAL.sub(lambda m: m[2] if _is_one(values.get(m[1])) else m[3], template)
    return template.format(**values) if values else template


_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")
"""``{n|Regel ist|Regeln sind}``: the first form when ``n`` is one, else the second."""


def _is_one(value: Any) -> bool:
    """Whether a count (a number, or its formatted text such as ``"1"``) is exactly one."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return value == 1
    return str(value).strip() == "1"


def format_value(value: Any, unit: Unit, locale: str = "de") -> str:
    """Format a number in ``unit`` for ``locale``: '120.000 €', '3,0 %', '1.234', '2,4×'."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    from planning_lib.present import formatting as fmt

    if unit == "eur":
        return fmt.format_eur(value, locale, decimals=0)
    if unit == "share":
        return fmt.format_percent(value, locale)
    if unit == "decimal":
        return fmt.format_number(value, locale, decimals=2)
    if unit == "months":
        return fmt.format_number(value, locale, decimals=1)
    if unit == "ratio":
        return fmt.format_number(value, locale, decimals=1) + "×"
    return fmt.format_count(value, locale)


def format_figure(name: str, value: Any, locale: str = "de") -> str:
    """Format the key figure ``name`` with its unit from :data:`KEY_FIGURE_UNITS`."""
    return format_value(value, KEY_FIGURE_UNITS.get(name, "count"), locale)


_SHARE_WORDS = frozenset(
    {
        "share",
        "rate",
        "conversion",
        "pct",
        "probability",
        "retention",
        "margin",
        "yoy",
        "churn",
        "coverage",
        "attainment",
        "growth",
    }
)
"""Words of a column name (split at ``_``) that make it a share 0..1 (shown as percent)."""
_PLAIN_COLUMNS = frozenset({"year", "rank", "age"})
"""Numeric columns shown as they are (no grouping: 2026, not 2.026)."""

_COUNT_COLUMNS = frozenset(
    {
        "leads",
        "mql",
        "sql",
        "demos",
        "won",
        "leads_planned",
        "leads_required",
        "mql_planned",
        "mql_required",
        "sql_planned",
        "sql_required",
        "demos_planned",
        "demos_required",
        "new_customers",
        "customers_start",
        "customers_end",
        "churned_customers",
        "top_down",
        "bottom_up",
        "plan_volume",
        "actual_volume",
    }
)
"""Columns of counts (leads, customers, ...) whose plan values are fractional expected
values: shown rounded to whole numbers (the CSV keeps them as they are)."""


def column_unit(name: str, values: Any) -> Unit | None:
    """The unit of a table column, read from its name (``*_eur``, ``*_rate``...) and values.

    Returns None for a column that is not numeric (text, dates) or one shown as it is
    (``year``, ``rank``).
    """
    import numpy as np
    import pandas as pd

    series = pd.Series(values)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    n = name.lower()
    if n in _PLAIN_COLUMNS:
        return None
    if n.startswith("score_"):
        return "decimal"  # a segment's points 0..1 per criterion, not a share
    words = set(n.split("_"))
    if n.endswith("_eur") or "_eur_" in n or n.startswith("eur_"):
        return "eur"
    if "ltv_to_cac" in n or n.endswith("_ratio") or n == "roi":
        return "ratio"
    if words & _SHARE_WORDS or "p_hit" in n:
        return "share"
    if n.endswith("_months") or n.startswith("months_"):
        return "months"
    if n in _COUNT_COLUMNS:
        return "count"
    finite = series.dropna()
    if pd.api.types.is_integer_dtype(series) or (
        len(finite) and np.allclose(finite, np.round(finite))
    ):
        return "count"
    return "decimal"
