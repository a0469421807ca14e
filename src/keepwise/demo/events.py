"""Turn the simulated monthly counts into rows: orders, tickets, interactions and feedback.

Counts per (month, customer) cell are expanded with ``np.repeat``; each event gets a time
inside the part of its month the customer was a customer, so nothing happens before
``acquired_at`` or on or after the day of churn. Rows come back sorted by customer and time,
as Arrow tables with the import column names (``customer_id`` still an index here; the
generator swaps in external ids).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from keepwise.demo.behaviour import Simulation
from keepwise.demo.calendar import Calendar
from keepwise.demo.company import Customers
from keepwise.demo.text import NOTES, SUBJECTS, TICKET_CATEGORIES, TOPICS, note_category

DAY = 86_400
HOUR = 3_600

B2C_PRODUCTS = {
    "服饰鞋包": ["羊毛大衣", "运动鞋", "真丝衬衫", "双肩包"],
    "家居日用": ["乳胶枕", "四件套", "收纳箱", "保温杯"],
    "美妆个护": ["精华液", "面膜套装", "防晒霜", "电动牙刷"],
    "数码家电": ["蓝牙耳机", "扫地机器人", "空气炸锅", "智能手表"],
    "食品生鲜": ["有机大米", "坚果礼盒", "进口牛排", "龙井茶"],
}
B2B_PRODUCTS = {
    "软件订阅": ["CRM 标准版年费", "CRM 企业版年费", "数据分析模块", "API 调用包"],
    "实施服务": ["系统实施", "数据迁移", "定制开发"],
    "硬件设备": ["工业网关", "扫码终端", "服务器"],
    "培训咨询": ["管理员培训", "业务咨询", "驻场支持"],
    "备品备件": ["传感器", "电源模块", "线缆套装"],
}
ORDER_HOURS_B2C = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2.5, 3, 3.5, 3, 2.5, 2.5,
                            2.5, 2.5, 3, 3.5, 5, 6, 5, 2.5])  # fmt: skip
WORK_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0.3, 1, 3, 3.5, 3, 1.5, 2.5, 3.5, 3.5, 3, 2, 0.8, 0.3,
                       0.2, 0.1, 0, 0])  # fmt: skip


@dataclass
class Cells:
    """Events expanded from monthly counts: customer index, month and rank within the cell."""

    cust: np.ndarray
    month: np.ndarray
    rank: np.ndarray
    size: np.ndarray

    def __len__(self) -> int:
        return len(self.cust)


def expand(counts: np.ndarray) -> Cells:
    """One entry per event of a ``(months, customers)`` count matrix."""
    n = counts.shape[1]
    flat = counts.ravel()
    cells = np.flatnonzero(flat)
    reps = flat[cells].astype(np.int64)
    event_cell = np.repeat(cells, reps)
    starts = np.cumsum(reps) - reps
    rank = np.arange(len(event_cell)) - np.repeat(starts, reps)
    return Cells(
        cust=(event_cell % n).astype(np.int64),
        month=(event_cell // n).astype(np.int64),
        rank=rank,
        size=np.repeat(reps, reps),
    )


def _hours(rng: np.random.Generator, k: int, profile: np.ndarray) -> np.ndarray:
    p = profile / profile.sum()
    return rng.choice(24, size=k, p=p) * HOUR + rng.integers(0, HOUR, size=k)


def event_seconds(
    rng: np.random.Generator,
    ev: Cells,
    c: Customers,
    sim: Simulation,
    cal: Calendar,
    profile: np.ndarray,
    *,
    peak_day_share: float = 0.0,
) -> np.ndarray:
    """Seconds from ``cal.start`` of each event, inside the customer's part of the month.

    ``peak_day_share`` moves that share of November events onto 11 November (Double 11).
    """
    lo = np.maximum(cal.month_start[ev.month], c.acquired_day[ev.cust])
    hi = np.minimum(cal.month_end[ev.month], sim.churn_day[ev.cust])
    hi = np.maximum(hi, lo + 1)
    day = lo + np.floor(rng.random(len(ev)) * (hi - lo)).astype(np.int64)
    if peak_day_share:
        d11 = cal.month_start[ev.month] + 10
        move = (cal.month_of_year[ev.month] == 11) & (rng.random(len(ev)) < peak_day_share)
        move &= (d11 >= lo) & (d11 < hi)
        day = np.where(move, d11, day)
    return day * DAY + _hours(rng, len(ev), profile)


def _order_by(cust: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return np.lexsort((seconds, cust))


def _timestamps(cal: Calendar, seconds: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    values = np.datetime64(cal.start, "s") + seconds.astype("timedelta64[s]")
    return pa.array(values, mask=None if mask is None else ~mask, type=pa.timestamp("s"))


def _category_products(kind: str) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    catalogue = B2B_PRODUCTS if kind == "b2b" else B2C_PRODUCTS
    cats = list(catalogue)
    products = [p for cat in cats for p in catalogue[cat]]
    sizes = np.array([len(catalogue[cat]) for cat in cats])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return cats, products, sizes, offsets


def _contract_fees(c: Customers, sim: Simulation, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Customer index and day of each annual fee: at acquisition and at every renewal before churn."""
    contract = np.flatnonzero(c.is_contractual)
    acquired = c.acquired_day[contract].astype(np.int64)
    stop = np.minimum(sim.churn_day[contract], cal.n_days)
    terms = np.maximum(np.ceil((stop - acquired) / 365).astype(np.int64), 1)
    cust = np.repeat(contract, terms)
    term = np.arange(len(cust)) - np.repeat(np.cumsum(terms) - terms, terms)
    return cust, c.acquired_day[cust].astype(np.int64) + 365 * term


def orders_table(
    rng: np.random.Generator, c: Customers, sim: Simulation, cal: Calendar
) -> tuple[pa.Table, np.ndarray]:
    """Orders: a first order on the day of acquisition, the simulated ones, and the annual
    fee of contractual customers (membership or service contract) at every renewal until
    they leave: a missing renewal fee is how a cancelled contract shows in the orders.

    Returns the table and each row's customer index. Late deliveries are refunded more
    often; orders of the last three days may still be pending.
    """
    b2b = c.kind == "b2b"
    ev = expand(sim.orders)
    profile = WORK_HOURS if b2b else ORDER_HOURS_B2C
    secs = event_seconds(rng, ev, c, sim, cal, profile, peak_day_share=0.0 if b2b else 0.35)
    is_late = ev.rank < sim.late[ev.month, ev.cust]
    first_secs = c.acquired_day.astype(np.int64) * DAY + _hours(rng, c.n, profile)
    fee_cust, fee_day = _contract_fees(c, sim, cal)
    fee_secs = fee_day * DAY + _hours(rng, len(fee_cust), WORK_HOURS)
    cust = np.concatenate([np.arange(c.n), ev.cust, fee_cust])
    secs = np.concatenate([first_secs, secs, fee_secs])
    is_late = np.concatenate([np.zeros(c.n, bool), is_late, np.zeros(len(fee_cust), bool)])
    is_fee = np.concatenate([np.zeros(c.n + len(ev), bool), np.ones(len(fee_cust), bool)])
    order = _order_by(cust, secs)
    cust, secs, is_late, is_fee = cust[order], secs[order], is_late[order], is_fee[order]
    k = len(cust)

    amount = np.round(np.maximum(c.spend_mean[cust] * rng.gamma(4.0, 0.25, size=k), 1.0), 2)
    if b2b:
        quantity = np.maximum(np.round(rng.lognormal(2.0, 1.0, size=k)), 1)
        fee = np.round(np.maximum(np.nan_to_num(c.budget_required) * 0.3, 5000.0), -2)
        fee_category, fee_product = "软件订阅", "年度服务合同"
    else:
        quantity = rng.geometric(0.6, size=k).astype(float)
        fee = np.array([199.0, 299.0, 499.0, 1999.0])[c.group]
        fee_category, fee_product = "会员服务", "年度会员"
    cats, products, sizes, offsets = _category_products(c.kind)
    favourite = (c.spend_mean * 7919).astype(np.int64) % len(cats)
    category = np.where(rng.random(k) < 0.6, favourite[cust], rng.integers(0, len(cats), size=k))
    product = offsets[category] + np.minimum(
        (rng.random(k) * sizes[category]).astype(int), sizes[category] - 1
    )
    if fee_category not in cats:
        cats = [*cats, fee_category]
    products = [*products, fee_product]
    category = np.where(is_fee, cats.index(fee_category), category)
    product = np.where(is_fee, len(products) - 1, product)
    amount = np.where(is_fee, fee[cust], amount)
    quantity = np.where(is_fee, 1.0, quantity)
    u = rng.random(k)
    refunded = ~is_fee & (u < 0.015 + 0.12 * is_late)
    cancelled = ~is_fee & ~refunded & (rng.random(k) < 0.012)
    pending = (secs >= (cal.n_days - 3) * DAY) & (rng.random(k) < 0.5)
    status = np.select(
        [pending, refunded, cancelled], ["pending", "refunded", "cancelled"], "completed"
    )
    table = pa.table(
        {
            "customer_id": pa.array(cust),
            "ordered_at": _timestamps(cal, secs),
            "amount": pa.array(amount).cast(pa.decimal128(18, 2)),
            "currency": pa.array(np.full(k, "CNY")),
            "quantity": pa.array(quantity),
            "product": pa.array(products).take(pa.array(product)),
            "category": pa.array(cats).take(pa.array(category)),
            "status": pa.array(status),
        }
    )
    return table, cust


def _languages(rng: np.random.Generator, c: Customers, cust: np.ndarray) -> np.ndarray:
    return (rng.random(len(cust)) >= c.zh_share[cust]).astype(np.int64)  # 0 zh, 1 en


def _topics(
    rng: np.random.Generator, c: Customers, sim: Simulation, ev: Cells, mood: np.ndarray
) -> np.ndarray:
    """Topic of a negative text: the largest driver, or B2B fit/budget in proportion."""
    topic = sim.topic[ev.month, ev.cust].astype(np.int64)
    topic = np.where(mood < 0.3, TOPICS.index("general"), topic)
    fit, budget = c.fit_effect[ev.cust], c.budget_effect[ev.cust]
    total = mood + fit + budget + 1e-9
    u = rng.random(len(ev)) * total
    topic = np.where(
        u < fit, TOPICS.index("fit"), np.where(u < fit + budget, TOPICS.index("budget"), topic)
    )
    return topic


def tickets_table(
    rng: np.random.Generator, c: Customers, sim: Simulation, cal: Calendar
) -> tuple[pa.Table, np.ndarray]:
    """Support tickets; the simulated slow ones get a first response after more than 24 hours."""
    b2b = c.kind == "b2b"
    ev = expand(sim.tickets)
    secs = event_seconds(rng, ev, c, sim, cal, WORK_HOURS if b2b else ORDER_HOURS_B2C)
    k = len(ev)
    is_delivery = ev.rank < sim.delivery_tickets[ev.month, ev.cust]
    shift = rng.integers(0, 1 << 20, size=k)  # a random cell offset decides which tickets are slow
    is_slow = (ev.rank + shift) % np.maximum(ev.size, 1) < sim.slow[ev.month, ev.cust]
    other = np.array([1, 2, 3, 4])
    other_p = np.array([0.15, 0.2, 0.1, 0.55]) if b2b else np.array([0.35, 0.35, 0.2, 0.1])
    category = np.where(is_delivery, 0, rng.choice(other, size=k, p=other_p))
    response_h = np.where(
        is_slow,
        24.0 + np.minimum(rng.exponential(30.0, size=k), 200.0) + rng.random(k),
        np.minimum(rng.lognormal(np.log(2.5), 0.9, size=k), 23.5),
    )
    first = secs + (response_h * HOUR).astype(np.int64)
    resolve_h = rng.exponential(36.0 if b2b else 18.0, size=k) + 0.5
    resolved = first + (resolve_h * HOUR).astype(np.int64)
    horizon = cal.n_days * DAY
    has_first = first < horizon
    has_resolved = has_first & (resolved < horizon)
    mood = sim.mood[ev.month, ev.cust]
    raw = 4.3 - 1.4 * is_slow - 0.35 * mood - 0.3 * is_delivery + rng.normal(0.0, 0.7, size=k)
    satisfaction = np.clip(np.round(raw), 1, 5)
    rated = has_resolved & (rng.random(k) < 0.6)
    priority = rng.choice(
        np.array(["low", "normal", "high", "urgent"]), size=k, p=[0.2, 0.5, 0.22, 0.08]
    )
    language = _languages(rng, c, ev.cust)
    subject = SUBJECTS.take(SUBJECTS.pick(category * 2 + language, rng.random(k)))
    order = _order_by(ev.cust, secs)
    table = pa.table(
        {
            "customer_id": pa.array(ev.cust),
            "opened_at": _timestamps(cal, secs),
            "first_response_at": _timestamps(cal, first, has_first),
            "resolved_at": _timestamps(cal, resolved, has_resolved),
            "category": pa.array(TICKET_CATEGORIES).take(pa.array(category)),
            "priority": pa.array(priority),
            "satisfaction": pa.array(satisfaction, mask=~rated),
            "subject": subject,
        }
    ).take(pa.array(order))
    return table, ev.cust[order]


def _sentiment(rng: np.random.Generator, mood: np.ndarray) -> np.ndarray:
    """0 negative, 1 neutral, 2 positive: negative grows with the mood (the drivers' total)."""
    p_neg = 1.0 / (1.0 + np.exp(-2.2 * (mood - 1.0)))
    p_pos = (1.0 - p_neg) * 0.45 * np.exp(-mood)
    u = rng.random(len(mood))
    return np.where(u < p_neg, 0, np.where(u < p_neg + p_pos, 2, 1))


def interactions_table(
    rng: np.random.Generator,
    c: Customers,
    sim: Simulation,
    cal: Calendar,
    owner_names: tuple[str, ...],
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Calls, emails, visits, meetings, chats and WeChat messages with notes.

    Returns the table, each row's customer index and its seconds from the start.
    """
    b2b = c.kind == "b2b"
    ev = expand(sim.interactions)
    secs = event_seconds(rng, ev, c, sim, cal, WORK_HOURS if b2b else ORDER_HOURS_B2C)
    k = len(ev)
    channels = np.array(["call", "email", "visit", "meeting", "chat", "wechat"])
    p = [0.3, 0.25, 0.12, 0.15, 0.0, 0.18] if b2b else [0.15, 0.1, 0.0, 0.0, 0.3, 0.45]
    channel = rng.choice(6, size=k, p=p)
    direction = np.where(rng.random(k) < (0.6 if b2b else 0.4), "outbound", "inbound")
    mean_minutes = np.array([8.0, np.nan, 90.0, 50.0, 6.0, 5.0])
    duration = np.round(mean_minutes[channel] * rng.gamma(2.0, 0.5, size=k), 1)
    mood = sim.mood[ev.month, ev.cust] + 0.5 * (c.fit_effect + c.budget_effect)[ev.cust]
    sentiment = _sentiment(rng, mood)
    topic = _topics(rng, c, sim, ev, mood)
    language = _languages(rng, c, ev.cust)
    note_index = NOTES.pick(note_category(topic, sentiment, language), rng.random(k))
    has_note = rng.random(k) < 0.85
    own = c.owner[ev.cust].astype(np.int64)
    handler = np.where(rng.random(k) < 0.8, own, rng.integers(0, len(owner_names), size=k))
    order = _order_by(ev.cust, secs)
    table = pa.table(
        {
            "customer_id": pa.array(ev.cust),
            "occurred_at": _timestamps(cal, secs),
            "channel": pa.array(channels[channel]),
            "direction": pa.array(direction),
            "duration_minutes": pa.array(duration, mask=np.isnan(duration)),
            "note": NOTES.take(note_index, has_note),
            "handled_by": pa.array(owner_names).take(pa.array(handler)),
        }
    ).take(pa.array(order))
    return table, ev.cust[order], secs[order]


def feedback_table(
    rng: np.random.Generator, c: Customers, sim: Simulation, cal: Calendar
) -> tuple[pa.Table, np.ndarray]:
    """NPS (0-10), CSAT (1-5) and survey (0-100) answers; scores fall as the drivers grow."""
    b2b = c.kind == "b2b"
    ev = expand(sim.feedback)
    secs = event_seconds(rng, ev, c, sim, cal, WORK_HOURS if b2b else ORDER_HOURS_B2C)
    k = len(ev)
    kinds = np.array(["nps", "csat", "survey"])
    kind = rng.choice(3, size=k, p=[0.6, 0.3, 0.1] if b2b else [0.4, 0.6, 0.0])
    mood = sim.mood[ev.month, ev.cust] + 0.5 * (c.fit_effect + c.budget_effect)[ev.cust]
    noise = rng.normal(0.0, 1.0, size=k)
    nps = np.clip(np.round(8.8 - 2.0 * mood + 1.3 * noise), 0, 10)
    csat = np.clip(np.round(4.4 - 0.75 * mood + 0.6 * noise), 1, 5)
    survey = np.clip(np.round(85.0 - 15.0 * mood + 8.0 * noise), 0, 100)
    score = np.choose(kind, [nps, csat, survey])
    sentiment = np.select(
        [
            ((kind == 0) & (score <= 6))
            | ((kind == 1) & (score <= 2))
            | ((kind == 2) & (score < 60)),
            ((kind == 0) & (score >= 9))
            | ((kind == 1) & (score >= 4))
            | ((kind == 2) & (score > 80)),
        ],
        [0, 2],
        1,
    )
    topic = _topics(rng, c, sim, ev, mood)
    language = _languages(rng, c, ev.cust)
    comment = NOTES.pick(note_category(topic, sentiment, language), rng.random(k))
    has_comment = rng.random(k) < 0.55
    order = _order_by(ev.cust, secs)
    table = pa.table(
        {
            "customer_id": pa.array(ev.cust),
            "occurred_at": _timestamps(cal, secs),
            "kind": pa.array(kinds[kind]),
            "score": pa.array(score),
            "comment": NOTES.take(comment, has_comment),
        }
    ).take(pa.array(order))
    return table, ev.cust[order]
