"""ccnb: the call-center analysis workbook's helper package.

Notebooks narrate; this package computes. Modules are named after the field's ideas:
``data`` (contract, loading, validation), ``sample`` (sample-data generator),
``kpi`` and ``qa`` (scorecards), ``forecast`` and ``staffing`` (Erlang),
``churn``, ``retention``, ``plots``, ``report`` (papermill and rendering), ``cli``.
"""
__version__ = "0.1.0"
