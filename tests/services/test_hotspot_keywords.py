"""Keywords on real text: 300 complaints of a real government message-board export (a subset of the
2020 Teddy Cup data in tests/support/fixtures/wenzheng_complaints.xlsx). Their top terms are words of
the domain that the segmenter's dictionary knows, never single characters, stopwords or fragments;
and the dictionary keeps Tongzhou's places, units and 12345 terms whole."""
import pandas as pd
import pytest

from dashboard.services.hotspots import keywords as kw
from tests.support.paths import FIXTURES


@pytest.fixture(scope="module")
def complaints() -> pd.DataFrame:
    df = pd.read_excel(FIXTURES / "wenzheng_complaints.xlsx")
    df["text"] = df["留言主题"].astype(str) + "\n" + df["留言详情"].astype(str)
    df["year"] = pd.to_datetime(df["留言时间"], errors="coerce", format="mixed").dt.year
    return df


def test_top_keywords_of_real_complaints_are_real_words(complaints):
    top = kw.rank(list(complaints["text"]), [], top=25)
    terms = [k.term for k in top]
    assert {"业主", "小区", "物业", "开发商", "学校"} <= set(terms[:15])
    known = kw.tokenizer().FREQ
    for term in terms:
        assert len(term) >= 2 and term not in kw.stopwords(), term
        assert known.get(term), f"{term} is not a word the dictionary knows (a fragment?)"
    assert [k.frequency for k in top] == sorted((k.frequency for k in top), reverse=True)   # no prior weeks


def test_inverse_week_frequency_lifts_what_is_new(complaints):
    """2019's complaints against 2017's and 2018's: terms every period has drop behind those only
    2019 has (退养 — retirement, 电表 — electricity meters)."""
    texts = {y: list(complaints.loc[complaints["year"] == y, "text"]) for y in (2017, 2018, 2019)}
    ranked = kw.rank(texts[2019], [texts[2017], texts[2018]], top=15)
    by_term = {k.term: k for k in ranked}
    assert {"退养", "电表"} <= set(by_term)
    assert by_term["退养"].weeks == 1 and by_term["业主"].weeks == 3
    assert by_term["退养"].score > by_term["退养"].frequency        # lifted
    assert by_term["业主"].score == by_term["业主"].frequency        # in every period: × 1


def test_dictionary_keeps_tongzhou_words_whole():
    text = "北京市通州区梨园镇云景家园3号楼暖气片上热下凉，室温不达标，供热公司一直不管。12345接诉即办"
    assert kw.terms(text) == ["梨园镇", "云景家园", "暖气片", "上热下凉", "室温不达标", "供热公司", "不管", "12345", "接诉即办"]
    assert kw.rank([], []) == []
