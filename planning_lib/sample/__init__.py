"""The simulated sample company (CloudFlow): customers, funnel, team, rendering, summary.

``company`` builds the whole dataset; ``planning sample-data`` writes it.
"""
