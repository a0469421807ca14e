"""Phrase banks for the demo company's notes, comments and ticket subjects (Chinese and English).

Every bank is keyed by ``(topic, sentiment)``. Topics are the latent churn drivers of
:mod:`keepwise.demo.behaviour` (``service``, ``delivery``, ``price``, ``competitor``,
``engagement``, ``fit``, ``budget``) plus ``general``; sentiments are ``negative``,
``neutral`` and ``positive``. Texts are picked by integer codes so that millions of rows are
built without Python loops (:class:`PhraseBank`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

TOPICS = ("service", "delivery", "price", "competitor", "engagement", "fit", "budget", "general")
SENTIMENTS = ("negative", "neutral", "positive")
LANGUAGES = ("zh", "en")

# Negative notes and comments, one list per churn driver.
_NEGATIVE: dict[str, dict[str, list[str]]] = {
    "service": {
        "zh": [
            "客服一直没有回复，客户很不满意",
            "工单两天都没人处理，客户抱怨响应太慢",
            "售后响应太慢，客户说再这样就不合作了",
            "客户投诉客服态度差，问题没有解决",
            "问题反复出现，客服只会让等待",
            "客户表示找不到人处理问题，非常失望",
        ],
        "en": [
            "support has not replied for two days, customer is upset",
            "customer complained that tickets take far too long to answer",
            "the same issue keeps coming back and nobody follows up",
            "slow response from support again, customer is losing patience",
        ],
    },
    "delivery": {
        "zh": [
            "交货一直延迟，客户很着急",
            "物流太慢，这次又晚了一周",
            "客户反映包裹破损，要求补发",
            "发货延误影响了客户的生产计划",
            "配送总是出问题，客户考虑换供应商",
        ],
        "en": [
            "the last delivery was late again",
            "shipment arrived damaged, customer asked for a replacement",
            "delivery delays are hurting the customer's production schedule",
            "customer says our logistics are unreliable",
        ],
    },
    "price": {
        "zh": [
            "价格太高，考虑换供应商",
            "客户说涨价后性价比太低",
            "客户要求降价，否则减少采购",
            "同样的东西别家便宜百分之二十",
            "预算紧张，客户觉得续费价格不合理",
        ],
        "en": [
            "customer says the new prices are too high",
            "asked for a discount or they will reduce orders",
            "price increase was not well received",
            "customer finds our pricing hard to justify",
        ],
    },
    "competitor": {
        "zh": [
            "客户在试用竞争对手的产品",
            "竞品给了更好的报价，客户在比较",
            "客户提到已经和别的供应商接触",
            "听说客户准备转到竞争对手那边",
        ],
        "en": [
            "customer is trialling a competitor's product",
            "a competitor offered them a better deal",
            "they mentioned talking to another vendor",
        ],
    },
    "engagement": {
        "zh": [
            "客户最近用得很少，说需求变了",
            "联系不上客户，电话没人接",
            "客户说暂时不需要了",
            "业务调整，客户采购量明显减少",
            "客户对新品没有兴趣",
        ],
        "en": [
            "customer rarely uses the product any more",
            "could not reach the customer, no reply to calls",
            "they say they do not need it for now",
            "order volume dropped after their business changed",
        ],
    },
    "fit": {
        "zh": [
            "技术方案和客户系统不兼容",
            "技术总监认为产品功能不满足需求",
            "集成问题一直没有解决，客户很失望",
        ],
        "en": [
            "our solution does not fit their technical stack",
            "CTO says key features are missing",
            "integration problems are still unresolved",
        ],
    },
    "budget": {
        "zh": [
            "客户今年预算被砍，续约有困难",
            "采购经理说预算不够，需要重新审批",
            "财务部门要求削减供应商开支",
        ],
        "en": [
            "their budget was cut this year, renewal at risk",
            "procurement says there is no budget left",
            "finance asked them to reduce vendor spend",
        ],
    },
    "general": {
        "zh": ["客户不太满意，需要跟进", "客户对整体体验有意见", "客户抱怨问题较多"],
        "en": ["customer is not happy, needs follow-up", "several complaints this month"],
    },
}

_NEUTRAL = {
    "zh": [
        "例行回访，客户无特别反馈",
        "确认了下季度的采购计划",
        "客户咨询新品价格",
        "发送了产品目录和报价单",
        "客户询问发票事宜",
        "约了下周再沟通",
        "介绍了新功能，客户表示会考虑",
        "更新了客户联系方式",
    ],
    "en": [
        "routine check-in, nothing special",
        "discussed next quarter's order plan",
        "sent the new catalogue and price list",
        "customer asked about invoices",
        "scheduled a follow-up call next week",
    ],
}

_POSITIVE = {
    "zh": [
        "合作愉快",
        "客户对服务很满意",
        "客户表扬了我们的响应速度",
        "客户计划增加采购量",
        "客户愿意推荐给朋友",
        "新功能很受欢迎，客户很满意",
        "交货准时，客户很放心",
    ],
    "en": [
        "very happy with the service",
        "customer praised our quick response",
        "they plan to increase their orders",
        "happy to recommend us to others",
        "deliveries on time, customer is satisfied",
    ],
}

#: Ticket subjects by ticket category (Chinese and English).
TICKET_CATEGORIES = ("物流配送", "账单发票", "产品质量", "账户问题", "技术支持")
_TICKET_SUBJECTS: dict[str, dict[str, list[str]]] = {
    "物流配送": {
        "zh": ["订单还没有发货", "包裹破损", "物流信息不更新", "送货地址修改"],
        "en": ["order not shipped yet", "package arrived damaged", "tracking not updated"],
    },
    "账单发票": {
        "zh": ["发票开错了", "重复扣款", "申请退款", "对账单有误"],
        "en": ["wrong invoice", "charged twice", "refund request"],
    },
    "产品质量": {
        "zh": ["产品有质量问题", "收到的商品与描述不符", "产品使用一周就坏了"],
        "en": ["product is defective", "item not as described", "broke after a week"],
    },
    "账户问题": {
        "zh": ["无法登录账户", "会员积分没有到账", "修改手机号"],
        "en": ["cannot log in", "loyalty points missing", "change phone number"],
    },
    "技术支持": {
        "zh": ["系统报错无法使用", "接口对接失败", "数据导出出错", "功能使用咨询"],
        "en": ["system error", "API integration fails", "data export broken", "how-to question"],
    },
}


@dataclass(frozen=True)
class PhraseBank:
    """A flat array of phrases with ``(offset, size)`` per category code.

    ``texts`` holds every phrase once; :meth:`pick` turns category codes and uniform
    draws into phrase indices, and :meth:`take` into an Arrow string array.
    """

    texts: pa.Array
    offsets: np.ndarray
    sizes: np.ndarray

    def pick(self, category: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Phrase index for each category code, chosen by the uniform draws ``u``."""
        size = self.sizes[category]
        return self.offsets[category] + np.minimum((u * size).astype(np.int64), size - 1)

    def take(self, index: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        """Arrow strings for the phrase indices (null where ``mask`` is False)."""
        out = self.texts.take(pa.array(index, type=pa.int64()))
        if mask is not None:
            import pyarrow.compute as pc

            out = pc.if_else(pa.array(mask), out, pa.scalar(None, pa.string()))
        return out


def _bank(groups: list[list[str]]) -> PhraseBank:
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = [t for g in groups for t in g]
    return PhraseBank(pa.array(flat, type=pa.string()), offsets, sizes)


def note_category(topic: np.ndarray, sentiment: np.ndarray, language: np.ndarray) -> np.ndarray:
    """Category code of :data:`NOTES` for topic, sentiment and language codes."""
    return (topic * len(SENTIMENTS) + sentiment) * len(LANGUAGES) + language


def _build_notes() -> PhraseBank:
    groups: list[list[str]] = []
    for topic in TOPICS:
        for sentiment in SENTIMENTS:
            for language in LANGUAGES:
                if sentiment == "negative":
                    groups.append(_NEGATIVE[topic][language])
                elif sentiment == "neutral":
                    groups.append(_NEUTRAL[language])
                else:
                    groups.append(_POSITIVE[language])
    return _bank(groups)


def _build_subjects() -> PhraseBank:
    return _bank([_TICKET_SUBJECTS[c][lang] for c in TICKET_CATEGORIES for lang in LANGUAGES])


#: Notes and comments; category code from :func:`note_category`.
NOTES = _build_notes()
#: Ticket subjects; category code ``category * 2 + language``.
SUBJECTS = _build_subjects()


def negative_phrases(language: str | None = None) -> set[str]:
    """Every negative phrase (of one language, or all) — used by tests and docs."""
    langs = LANGUAGES if language is None else (language,)
    return {t for topic in _NEGATIVE.values() for lang in langs for t in topic[lang]}


def positive_phrases(language: str | None = None) -> set[str]:
    """Every positive phrase (of one language, or all)."""
    langs = LANGUAGES if language is None else (language,)
    return {t for lang in langs for t in _POSITIVE[lang]}
