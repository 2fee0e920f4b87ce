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

# %% [markdown]
# Bewegen Sie die Schieberegler: Kennzahlen, Diagramme und Machbarkeitshinweise
# rechnen bei jeder Änderung neu. *Move the sliders: figures, charts and feasibility
# findings update with every change (language switch: English).*

# %%
from IPython.display import display

from planning_lib.app.cockpit_app import Cockpit
from planning_lib.app.runtime import config_path as resolve_config

# %% tags=["parameters"]
config_path: str = ""  # Planparameter (YAML); leer = $PLANNING_COCKPIT_CONFIG oder CloudFlow
region: str = ""  # Vertriebsgebiet; leer = Gesamtunternehmen
locale: str = "de"  # Sprache der Oberfläche: de oder en

# %%
cockpit = Cockpit(resolve_config(config_path), region=region or None, locale=locale)
display(cockpit.widget)
