"""Vertriebsplanung: a sales-planning workbench.

The package reads like the seven phases of sales planning: ``data`` (canonical
tables), ``analysis``/``forecast`` (phase 1), ``targets`` (2), ``segments`` (3),
``model`` (phases 4-6: channels, organisation, budget), ``controlling`` (7).
"""

__version__ = "0.1.0"
