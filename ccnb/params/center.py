"""The center's own settings (queues, time zone, holidays country), the report and the engine."""
from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from ccnb.catalog.kpis import REGISTRY
from ccnb.catalog.notebooks import plain_name
from ccnb.params.base import Section


# --------------------------------------------------------------------------- center
class Queue(Section):
    business_line: str = Field(description="Business line the queue belongs to (QA sampling, reports).")
    service_type: str = Field("service", description="service | sales | complaints | tech ...")
    sales: bool = Field(False, description="Conversion is measured on this queue.")
    name_zh: str | None = Field(None, description="Chinese display name.")


#: Day names of ``center.weekend``, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Center(Section):
    name: str = "Sample Center"
    name_zh: str | None = None
    timezone: str = Field("Asia/Shanghai", description="IANA zone of the center's wall clock.")
    country: str = Field("CN", description="ISO country for public holidays (holidays package).")
    currency: str = "CNY"
    interval_minutes: Literal[15, 30] = 30
    weekend: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["sat", "sun"],
        description="The center's days off (e.g. [fri, sat] or [sat, sun]): day types and holiday periods of the "
                    "forecast, the weekday/weekend profiles, the schedule's weekend shifts and opening hours.")
    queues: dict[str, Queue] = Field(default_factory=dict)

    @field_validator("weekend")
    @classmethod
    def _weekend(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v) or len(v) > 6:
            raise ValueError("weekend: distinct days (mon .. sun), at least one working day left")
        return sorted(v, key=WEEKDAYS.index)

    @property
    def weekend_days(self) -> tuple[int, ...]:
        """The weekend as weekday numbers, 0 = Monday ... 6 = Sunday."""
        return tuple(WEEKDAYS.index(d) for d in self.weekend)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (expected an IANA name such as 'Asia/Shanghai')")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        import holidays

        if v not in holidays.list_supported_countries():
            raise ValueError(f"unknown country {v!r} for public holidays (expected an ISO code such as 'CN')")
        return v


# --------------------------------------------------------------------------- report
class Report(Section):
    lang: Literal["en", "zh"] = "en"
    trend_months: int = Field(6, ge=1, le=36, description="Months shown in trend charts, the report month included.")
    notebooks: list[str] | None = Field(None, description="Notebook file names to run; all in notebooks/ when empty.")
    pdf: bool = True
    headline_kpis: list[str] = Field(default_factory=list, description="KPI keys on the overview's headline cards.")
    table_rows_max: int = Field(100, ge=10, le=10_000, description=(
        "Rows a report table shows at most; a longer one (a league of 4,800 agents) is cut with a note, "
        "and where the notebook names a file, every row is in it under files/."))

    @field_validator("headline_kpis")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [k for k in v if k not in REGISTRY]
        if unknown:
            raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
        return v

    @field_validator("notebooks")
    @classmethod
    def _file_names(cls, v: list[str] | None) -> list[str] | None:
        """Plain file names in the notebooks folder: they become file names in the pack (no folders, no ``..``)."""
        bad = [n for n in v or [] if not plain_name(n)]
        if bad:
            raise ValueError(f"not plain notebook file names (no folders or '..'; letters, digits, _ . - only): "
                             f"{', '.join(repr(b) for b in bad)}")
        return v




# --------------------------------------------------------------------------- engine
class EngineDuckDB(Section):
    memory_limit: str | None = Field(None, pattern=r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$",
                                     description="DuckDB's memory_limit per process (e.g. 2GB); None: DuckDB's "
                                                 "default, 80 % of RAM. Beyond it DuckDB spills to disk.")
    threads: int | None = Field(None, ge=1, le=512, description="DuckDB threads; None: one per core.")


class EngineSpark(Section):
    master: str = Field("local[*]", min_length=1, description="Spark master URL: local[N], spark://host:7077, "
                                                               "yarn, k8s://...")
    app_name: str = Field("ccnb", min_length=1, description="Spark application name.")
    driver_memory: str = Field("2g", pattern=r"^\d+[kmgtKMGT]?$", description="spark.driver.memory (local mode: all "
                                                                               "of Spark's memory).")
    shuffle_partitions: int = Field(8, ge=1, le=100000, description="spark.sql.shuffle.partitions (KPI results "
                                                                    "are small; raise on a cluster).")
    staging_dir: str | None = Field(None, description="Where validated tables are exported as Parquet for Spark "
                                                      "(a folder every executor sees); None: the data cache.")
    conf: dict[str, str] = Field(default_factory=dict, description="Any other spark.* settings.")


class Engine(Section):
    name: Literal["duckdb", "spark"] = Field("duckdb", description="Where KPI aggregates and interval series run.")
    duckdb: EngineDuckDB = Field(default_factory=EngineDuckDB)
    spark: EngineSpark = Field(default_factory=EngineSpark)
