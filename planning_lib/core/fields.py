"""Building blocks of the plan parameter schema: the strict base model, the value
types with their ranges, and the error that names every bad field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["NonNegFloat", "NonNegInt", "ParameterError", "Share", "StrictModel"]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]


class StrictModel(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ParameterError(ValueError):
    """Plan parameters that break a rule; ``problems`` holds one sentence per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid plan parameters in {source}:\n{lines}")
