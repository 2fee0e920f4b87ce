"""Running the plan: the phase runtime of the notebooks, the artifact catalog, batch runs,
notebook execution, output folders, HTML and Excel reports.
"""
