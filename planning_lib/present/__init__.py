"""Presentation: German/English texts, number formatting, tables, charts, phase views.

Turns figures into what a manager reads; computes no figure itself.
"""
