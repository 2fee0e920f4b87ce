"""One view module per phase: the tables and series a phase shows, shaped from the results.

The phase functions (``planning_lib.run.phases``) stay thin: everything they display that
needs a filter, a pivot or a sum is a function here, named after what it returns, and
tested. The figures themselves come from ``analysis``, ``plan`` and ``controlling``; nothing
here invents a formula beyond selecting, reshaping and summing.

Modules, named after the phase notebooks: ``ist_analyse`` (01), ``ziele`` (02),
``zielgruppen`` (03), ``kanaele`` (04), ``organisation`` (05), ``budget`` (06),
``controlling`` (07), ``konsolidierung`` (08); ``plan`` holds what several phases read
from the monthly plan phase 2 wrote.
"""
