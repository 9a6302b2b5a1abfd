"""Generated documents and label catalogs stay in step with the code."""
from ccnb import config, i18n
from ccnb.data import contract
from ccnb.kpi import REGISTRY


def test_data_contract_doc_is_current():
    doc = (config.DOCS_DIR / "data.md").read_text(encoding="utf-8")
    assert doc == contract.markdown(), "run: python -m ccnb.data.contract > docs/data.md"


def test_every_label_has_both_languages_and_no_duplicates():
    i18n.catalog.cache_clear()
    cat = i18n.catalog()  # raises on duplicates or a missing language
    assert cat and all(set(v) >= set(i18n.LANGS) for v in cat.values())


def test_registry_names_in_both_languages():
    for k in REGISTRY.values():
        assert k.name_en and k.name_zh and k.name_en != k.name_zh
        assert k.dimension in ("customer", "efficiency", "business", "employee", "quality")
        assert k.direction in ("higher", "lower", "band", "none")
