"""Phase 7: Messung & Anpassung.

Plan vs actual, variance analysis, alert rules, the rolling forecast, the landing
estimate and saved plan versions.
"""
