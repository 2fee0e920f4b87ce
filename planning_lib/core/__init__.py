"""Core: the plan parameters (schema, YAML load, overrides) and the project paths.

Every other layer may import ``core``; ``core`` imports nothing from the package.
"""
