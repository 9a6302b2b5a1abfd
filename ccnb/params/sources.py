"""Where a center's tables come from: files in its own export format, mapped onto the contract.

``data.sources.<table>`` names the file(s) of one contract table and maps each contract column
to a source column or a DuckDB SQL expression over the source columns (``docs/data_sources.md``).
``data.profile`` picks a shipped mapping for a vendor's export (``params/profiles/<name>.yaml``);
a center's own ``sources`` are merged over it (:func:`ccnb.data.sources.resolve_sources`).

The mapping runs in :mod:`ccnb.data.sources`; these models only check the shape of the
parameters. Which tables and columns exist is the contract's business (``ccnb.catalog.contract``)
and is checked where the mapping is applied, so that the params layer does not import the data
layer.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ccnb.params.base import Section

#: Formats a source file may have; ``auto`` decides from the file name's extension.
SourceFormat = Literal["auto", "csv", "parquet", "xlsx"]
#: CSV text encodings; ``auto`` reads UTF-8 (with or without BOM), else GB18030 (a superset of GBK).
SourceEncoding = Literal["auto", "utf-8", "gbk", "gb18030"]

_PROFILE_NAME = r"^[a-z][a-z0-9_]{1,39}$"
_TABLE_NAME = re.compile(r"^[a-z][a-z_]{1,39}$")


class Source(Section):
    """One contract table read from a center's own files."""

    file: str | None = Field(
        None, min_length=1, max_length=400,
        description="Path or glob of the table's file(s), relative to the data folder (e.g. 'exports/calls_*.csv'). "
                    "None: keep the profile's (a profile must name one).")
    format: SourceFormat = Field("auto", description="csv, parquet or xlsx; auto: from the extension "
                                                     "(.csv .csv.gz .tsv .txt, .parquet .pq, .xlsx).")
    encoding: SourceEncoding = Field("auto", description="Text encoding of CSV files; auto: UTF-8, else GB18030.")
    delimiter: str | None = Field(None, min_length=1, max_length=1,
                                  description="CSV field separator; None: the most frequent of , ; tab | in the header.")
    sheet: str | None = Field(None, min_length=1, max_length=100,
                              description="Excel sheet name; None: the first sheet.")
    columns: dict[str, str | None] = Field(
        default_factory=dict,
        description="Contract column -> a source column name (quoted for you when it is not a plain identifier, "
                    "e.g. 'Contact ID') or a DuckDB SQL expression over the source columns. A contract column "
                    "not listed is taken from a source column of the same name when there is one. None removes "
                    "a column a profile maps.")
    where: str | None = Field(None, min_length=1, max_length=2000,
                              description="SQL row filter over the source columns (e.g. drop test or phantom calls).")
    null_values: list[str] = Field(
        default_factory=list, max_length=50,
        description="Source values read as empty (NULL) in every text column, compared after trimming spaces "
                    "(e.g. '0:00:00', 'NO_SERVER'). Empty fields are always NULL.")

    @field_validator("columns")
    @classmethod
    def _column_names(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        bad = [k for k in v if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", k)]
        if bad:
            raise ValueError(f"contract column names are lower-case snake_case, got {bad}")
        empty = [k for k, e in v.items() if e is not None and not e.strip()]
        if empty:
            raise ValueError(f"empty mapping for {empty}: give a source column or an expression (or null to remove)")
        if len(v) > 200:
            raise ValueError(f"at most 200 mapped columns, got {len(v)}")
        return v


class DataSources(Section):
    """The ``data`` section: a center's exports and how rows that break the contract are handled."""

    profile: str | None = Field(None, pattern=_PROFILE_NAME,
                                description="A shipped mapping (params/profiles/<name>.yaml), e.g. amazon_connect; "
                                            "None: sources only.")
    sources: dict[str, Source] = Field(
        default_factory=dict,
        description="Contract table -> its source. A table not listed is read from <table>.csv/.parquet "
                    "(or a folder <table>/) as before.")
    bad_rows: Literal["stop", "quarantine"] = Field(
        "stop", description="stop: a row that breaks a contract rule stops the run (names file, column, rows); "
                            "quarantine: such rows are set aside with their reasons and counted, never silently dropped.")
    clock_skew_s: float = Field(2.0, ge=0, le=3600,
                                description="Answer/end stamps earlier than arrival by at most this many seconds "
                                            "are repaired (set to arrival) and counted; 0: no repair.")

    @field_validator("sources")
    @classmethod
    def _table_names(cls, v: dict[str, Source]) -> dict[str, Source]:
        bad = [k for k in v if not _TABLE_NAME.fullmatch(k)]
        if bad:
            raise ValueError(f"table names are lower-case snake_case (e.g. interactions), got {bad}")
        return v

    @model_validator(mode="after")
    def _files_named(self) -> "DataSources":
        if self.profile is None:
            unnamed = sorted(t for t, s in self.sources.items() if s.file is None)
            if unnamed:
                raise ValueError(f"sources {', '.join(unnamed)}: 'file' is required without a profile")
        return self
