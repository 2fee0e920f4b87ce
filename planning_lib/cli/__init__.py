"""The ``planning`` command: ``main`` parses, one module per sub-command."""
