"""Phases 1 and 3: Ist-Analyse and Zielgruppen.

The history of revenue, funnel, unit economics, market and segments, lead scoring, the
open pipeline, and ``forecast/`` (the baseline forecast per series).
"""
