"""The base of every params section, and the error a bad params file raises."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ccnb.core.errors import EXIT_PARAMS


class ParamsError(ValueError):
    """Parameters that cannot be used; the message names file, key and problem. Exit code 6."""

    exit_code = EXIT_PARAMS


class Section(BaseModel):
    #: No key outside the schema; no ``.nan`` or ``.inf`` for any number (a NaN target compares false with
    #: everything, so it would score nothing and say nothing).
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)
