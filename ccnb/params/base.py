"""The base of every params section, and the error a bad params file raises."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ccnb.core.errors import EXIT_PARAMS


class ParamsError(ValueError):
    """Parameters that cannot be used; the message names file, key and problem. Exit code 6."""

    exit_code = EXIT_PARAMS


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)
