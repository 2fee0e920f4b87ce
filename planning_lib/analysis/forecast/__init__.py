"""Phase 1 forecast: data preparation, model selection, intermittent series, reconciliation.

``api`` is the entry point (``auto_forecast``, ``forecast_dataset``).
"""
