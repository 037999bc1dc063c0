"""Keywords of a topic's week: 标题 + 主要内容 segmented with jieba and the dictionary beside this
module (Tongzhou's 街乡镇, the district's units and companies, 12345 terms), stopwords and single
characters removed, ranked by frequency × inverse week frequency (docs/hotspots.md).

The texts come in as bounded samples (queries.hotspots.topic_texts with a cap per week); the
segmenter is built once per process (its dictionary takes about a second to load).
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
USER_DICTIONARY = HERE / "dict.txt"
STOPWORDS_FILE = HERE / "stopwords.txt"

TOP_KEYWORDS = 10          # keywords shown per topic
TEXTS_THIS_WEEK = 120      # sample of the judged week's texts
TEXT_CHARS = 300          # of each 主要内容 (the complaint is stated first; the rest is detail)
TEXTS_PER_PRIOR_WEEK = 20  # sample of each week before (for the week frequency)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOISE = re.compile(r"^[\d\W_a-zA-Z]+$")   # numbers, punctuation, Latin fragments
_KEEP_NON_CJK = {"12345"}
# residential names are a head and a suffix (云景 + 家园): kept together as one place
_PLACE_SUFFIXES = ("小区", "家园", "花园", "嘉园", "新城", "名苑", "华苑", "公寓", "东里", "西里", "北里", "南里",
                   "南区", "北区", "社区", "村")

_lock = threading.Lock()
_tokenizer = None
_stopwords: frozenset[str] | None = None


def stopwords() -> frozenset[str]:
    global _stopwords
    if _stopwords is None:
        words = (line.strip() for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines())
        _stopwords = frozenset(w for w in words if w)
    return _stopwords


def tokenizer():
    """The process's jieba tokenizer with the user dictionary loaded (built on first use)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)   # its load messages are not the product's log
            tok = jieba.Tokenizer()
            tok.load_userdict(str(USER_DICTIONARY))
            tok.initialize()
            _tokenizer = tok
    return _tokenizer


def _joined_places(tokens: list[str]) -> list[str]:
    """A word followed by a residential suffix (in one token or split in two: 北 + 里) is one place."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        head = out[-1] if out else ""
        can_join = len(head) >= 2 and _CJK.search(head) and head not in stopwords() and not head.endswith(_PLACE_SUFFIXES)
        if can_join and tok in _PLACE_SUFFIXES:
            out[-1] += tok
        elif can_join and i + 1 < len(tokens) and tok + tokens[i + 1] in _PLACE_SUFFIXES:
            out[-1] += tok + tokens[i + 1]
            i += 1
        else:
            out.append(tok)
        i += 1
    return out


def terms(text: str) -> list[str]:
    """The words of one text that can be keywords: two characters or more, not a stopword, not a
    number or punctuation (12345 excepted)."""
    tokens = _joined_places([w.strip() for w in tokenizer().lcut(text or "") if w.strip()])
    stop = stopwords()
    return [w for w in tokens
            if w in _KEEP_NON_CJK or (len(w) >= 2 and w not in stop and _CJK.search(w) and not _NOISE.match(w))]


@dataclass(frozen=True)
class Keyword:
    term: str
    frequency: int        # occurrences in the judged week's texts
    weeks: int            # weeks (of those sampled) whose texts have it
    score: float          # frequency × inverse week frequency


def term_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each keyword-able term occurs in the texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(terms(text))
    return counts


def rank_terms(week: Counter[str], prior_weeks: Sequence[Iterable[str]], top: int = TOP_KEYWORDS) -> list[Keyword]:
    """The judged week's top terms: frequency × (ln((1 + W) / (1 + w)) + 1), W the weeks sampled
    (the judged one and each prior week with texts), w those whose texts have the term. Ties go
    to the more frequent, then to the term in code-point order, so the ranking is stable."""
    if not week:
        return []
    week_sets = [set(week)] + [s for s in (set(p) for p in prior_weeks) if s]
    n = len(week_sets)
    ranked = []
    for term, f in week.items():
        w = sum(1 for s in week_sets if term in s)
        ranked.append(Keyword(term, f, w, f * (math.log((1 + n) / (1 + w)) + 1)))
    ranked.sort(key=lambda k: (-k.score, -k.frequency, k.term))
    return ranked[:top]


def rank(week_texts: Sequence[str], prior_weeks: Sequence[Sequence[str]], top: int = TOP_KEYWORDS) -> list[Keyword]:
    """rank_terms over raw texts: the judged week's and each prior week's."""
    return rank_terms(term_counts(week_texts), [term_counts(texts) for texts in prior_weeks], top)


def keyword_text(keywords: Iterable[Keyword], sep: str = "、") -> str:
    return sep.join(k.term for k in keywords)
