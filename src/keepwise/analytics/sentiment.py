"""Offline sentiment of interaction notes and feedback comments, Chinese and English.

Scores run from -1 (very negative) to +1 (very positive); blank text scores NaN.

* Language: by the share of CJK characters among letters (>= 30 % → Chinese).
* Chinese: SnowNLP's naive-Bayes sentiment model (bundled with the package, no download),
  mapped from [0, 1] to [-1, 1].
* English: VADER's rule-based compound score (bundled lexicon).
* Both are nudged by a small CRM lexicon (价格太高, 延迟, 投诉, 换供应商, late, cancel,
  switch to a competitor, ...), words that general-purpose models miss in sales notes.

Texts are scored once per *distinct* text and mapped back, so a million notes drawn from a
few thousand templates cost a few thousand model calls.

References
----------
Hutto & Gilbert (2014), "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of
Social Media Text", ICWSM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: CRM words that general sentiment models under-weight, with a shift in [-1, 1].
LEXICON_ZH: dict[str, float] = {
    "价格太高": -0.6,
    "太贵": -0.6,
    "涨价": -0.4,
    "降价": -0.3,
    "性价比太低": -0.6,
    "便宜": -0.2,
    "延迟": -0.5,
    "延误": -0.5,
    "太慢": -0.5,
    "晚了": -0.4,
    "破损": -0.5,
    "投诉": -0.6,
    "抱怨": -0.5,
    "不满意": -0.7,
    "不满": -0.6,
    "失望": -0.6,
    "态度差": -0.6,
    "换供应商": -0.8,
    "竞争对手": -0.5,
    "竞品": -0.4,
    "别的供应商": -0.6,
    "不合作": -0.8,
    "取消": -0.5,
    "退款": -0.4,
    "退货": -0.4,
    "流失": -0.6,
    "不需要": -0.4,
    "减少": -0.3,
    "没有回复": -0.5,
    "没人处理": -0.6,
    "联系不上": -0.4,
    "没有解决": -0.5,
    "预算被砍": -0.5,
    "不兼容": -0.4,
    "满意": 0.5,
    "续约": 0.5,
    "推荐": 0.4,
    "感谢": 0.4,
    "好评": 0.5,
    "愉快": 0.5,
    "增加采购": 0.5,
    "扩大": 0.3,
    "追加": 0.4,
    "表扬": 0.5,
    "顺利": 0.3,
    "及时": 0.3,
    "很好": 0.4,
}
LEXICON_EN: dict[str, float] = {
    "too expensive": -0.6,
    "too high": -0.5,
    "price increase": -0.4,
    "overpriced": -0.6,
    "late": -0.4,
    "delay": -0.4,
    "delayed": -0.4,
    "slow": -0.3,
    "damaged": -0.4,
    "complain": -0.5,
    "complaint": -0.5,
    "complained": -0.5,
    "upset": -0.5,
    "unhappy": -0.6,
    "cancel": -0.5,
    "cancelled": -0.5,
    "refund": -0.3,
    "switch": -0.4,
    "competitor": -0.4,
    "another vendor": -0.5,
    "churn": -0.5,
    "not renew": -0.7,
    "won't renew": -0.7,
    "no reply": -0.4,
    "unresolved": -0.4,
    "budget was cut": -0.5,
    "reduce orders": -0.5,
    "losing patience": -0.5,
    "unreliable": -0.5,
    "missing": -0.3,
    "no budget": -0.4,
    "renew": 0.4,
    "renewed": 0.5,
    "expand": 0.4,
    "upsell": 0.4,
    "recommend": 0.4,
    "happy": 0.4,
    "thank": 0.3,
    "on time": 0.4,
    "smooth": 0.3,
    "great": 0.3,
    "satisfied": 0.5,
}
_NEGATIONS_EN = re.compile(r"\b(not|never|no longer|isn't|wasn't|aren't|don't|didn't)\s+(\w+\s+)?$")


def is_chinese(text: str, *, threshold: float = 0.3) -> bool:
    """True when at least ``threshold`` of the letters in ``text`` are CJK characters."""
    letters = len(_LETTER.findall(text))
    return letters > 0 and len(_CJK.findall(text)) / letters >= threshold


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _lexicon_shift(text: str, lexicon: dict[str, float], *, english: bool) -> float:
    shift = 0.0
    low = text.lower() if english else text
    for phrase, weight in lexicon.items():
        start = low.find(phrase)
        if start < 0:
            continue
        if english:
            m = re.search(rf"\b{re.escape(phrase)}\b", low)
            if m is None:
                continue
            start = m.start()
            if _NEGATIONS_EN.search(low[:start]):
                weight = -weight
        elif weight > 0 and any(ch in "不没未别无" for ch in low[max(0, start - 3) : start]):
            weight = -weight
        shift += weight
    return float(np.clip(shift, -1.0, 1.0))


def score_text(text: str | None, *, use_lexicon: bool = True) -> float:
    """Sentiment of one text in [-1, 1] (NaN for blank). Results are cached per text."""
    if text is None or (isinstance(text, float) and text != text):
        return float("nan")
    text = str(text).strip()
    if not text:
        return float("nan")
    return _score_cached(text, use_lexicon)


@lru_cache(maxsize=100_000)
def _score_cached(text: str, use_lexicon: bool) -> float:
    if is_chinese(text):
        from snownlp import SnowNLP

        base = 2.0 * float(SnowNLP(text).sentiments) - 1.0
        if not use_lexicon:
            return base
        shift = _lexicon_shift(text, LEXICON_ZH, english=False)
    else:
        base = float(_vader().polarity_scores(text)["compound"])
        if not use_lexicon:
            return base
        shift = _lexicon_shift(text, LEXICON_EN, english=True)
    if shift == 0.0:
        return base
    return float(np.clip(0.5 * base + shift, -1.0, 1.0))


def sentiment_scores(
    texts: Iterable[str | None] | pd.Series, *, use_lexicon: bool = True
) -> np.ndarray:
    """Sentiment of many texts in [-1, 1], each distinct text scored once (NaN for blank).

    Parameters
    ----------
    texts
        Notes or comments in Chinese or English (mixed is fine).
    use_lexicon
        Add the CRM lexicon to the general-purpose models (default True).
    """
    s = pd.Series(
        list(texts) if not isinstance(texts, pd.Series) else texts.to_numpy(), dtype=object
    )
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    scores = np.array([score_text(u, use_lexicon=use_lexicon) for u in uniques], dtype=float)
    out = np.full(len(s), np.nan)
    ok = codes >= 0
    out[ok] = scores[codes[ok]]
    return out


def sentiment_labels(scores: np.ndarray, *, neutral_band: float = 0.05) -> np.ndarray:
    """``"negative"``, ``"neutral"`` or ``"positive"`` for scores (``""`` for NaN)."""
    s = np.asarray(scores, dtype=float)
    out = np.where(
        s > neutral_band, "positive", np.where(s < -neutral_band, "negative", "neutral")
    ).astype(object)
    out[np.isnan(s)] = ""
    return out


def sentiment_accuracy(
    texts: Iterable[str], labels: Iterable[int], *, use_lexicon: bool = True
) -> float:
    """Share of texts whose score sign matches the label (1 = positive, 0 = negative)."""
    scores = sentiment_scores(list(texts), use_lexicon=use_lexicon)
    y = np.asarray(list(labels), dtype=int)
    pred = (np.nan_to_num(scores, nan=0.0) > 0).astype(int)
    return float((pred == y).mean())
