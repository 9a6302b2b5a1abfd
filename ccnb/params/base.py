"""The base of every params section, and the error a bad params file raises."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ParamsError(ValueError):
    """Parameters that cannot be used; the message names file, key and problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)
