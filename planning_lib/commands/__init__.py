"""Sub-commands of the ``planning`` CLI, one module each (see ``planning_lib.cli``)."""
