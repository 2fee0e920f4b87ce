"""Phases 2 and 4-6: targets, channels, organisation, budget; the one driver model.

``inputs`` turns parameters into the model's arrays, ``model`` computes every plan line,
``scenarios`` draws and varies them, ``feasibility`` checks the plan against history.
"""
