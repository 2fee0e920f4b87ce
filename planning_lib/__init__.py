"""Vertriebsplanung: a sales-planning workbench.

The package reads like the data flow and the seven phases of sales planning, one layer
per folder (the contracts in ``pyproject.toml`` keep the order):

- ``core``: parameters and paths; ``data``: canonical tables, readers, the sample company
- ``metrics``: one definition per figure
- ``analysis``: phases 1 and 3 (history, forecast, segments); ``plan``: phases 2 and 4-6
- ``controlling``: phase 7
- ``present``: texts, formatting, tables, charts; ``run``: notebooks, batch, reports
- ``app``: the cockpit; ``cli``: the ``planning`` command
"""

__version__ = "0.1.0"
