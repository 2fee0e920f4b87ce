"""Metrics: the definition of each figure (CAC, churn, MRR bridge, CLV, KPIs).

History (``analysis``), the plan (``plan``) and controlling call these functions, so a
figure is defined once. Imports only ``core`` and ``data``.
"""
