"""One function per phase notebook: it does the phase's work and shows it.

A phase notebook keeps its literal parameters cell (papermill sets it) and calls its
phase function, named after the notebook: ``01_ist_analyse`` calls
``planning_lib.run.phases.ist_analyse.phase_01_ist_analyse(**parameters)``. The function
opens the phase (:func:`planning_lib.run.phase.open_phase`), computes with ``analysis``,
``plan`` and ``controlling``, shapes with ``planning_lib.present.views.<phase>``, writes
and shows every table, chart and sentence, and returns the :class:`~planning_lib.run.phase.Phase`
so a later cell can look at ``ph.tables`` (name → frame) and ``ph.figures``.

The phase order and the artifacts the phases pass on: :mod:`planning_lib.run.catalog`.
"""
