"""Words and numbers in the reader's language: the label catalogs (``labels``) and value formats (``fmt``).

Below the analyses: an analysis names its results (a churn flag's reason, an early warning)
in the manager's words in English and Chinese, so labels and formats must be importable from
every analysis package. Nothing here imports another ccnb layer but ``core``.
"""
