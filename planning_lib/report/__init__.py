"""Reports: labels, formatting, charts, Excel and HTML for notebooks, batch and dashboard."""
