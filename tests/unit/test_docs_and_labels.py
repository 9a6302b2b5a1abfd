"""Generated documents and label catalogs stay in step with the code."""
from ccnb.catalog import contract
from ccnb.core import config
from ccnb.i18n import labels
from ccnb.kpi import REGISTRY


def test_data_contract_doc_is_current():
    doc = (config.DOCS_DIR / "data.md").read_text(encoding="utf-8")
    assert doc == contract.markdown(), "run: python -m ccnb.catalog.contract > docs/data.md"


def test_every_label_has_both_languages_and_no_duplicates():
    labels.catalog.cache_clear()
    cat = labels.catalog()  # raises on duplicates or a missing language
    assert cat and all(set(v) >= set(labels.LANGS) for v in cat.values())


def test_registry_names_in_both_languages():
    for k in REGISTRY.values():
        assert k.name_en and k.name_zh and k.name_en != k.name_zh
        assert k.dimension in ("customer", "efficiency", "business", "employee", "quality")
        assert k.direction in ("higher", "lower", "band", "none")
