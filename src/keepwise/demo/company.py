"""Who the demo company's customers are: attributes, latent traits and B2B decision chains.

:func:`make_customers` draws one chunk of customers as numpy arrays (no Python loop per
customer); :func:`customers_table` and :func:`contacts_table` turn them into Arrow tables
with the import column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keepwise.demo.calendar import Calendar

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国晨浩宇欣怡子涵梓轩一诺思雨佳琪俊杰婷雪"
)
CITIES = {  # region -> cities
    "华东": ["上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南"],
    "华北": ["北京", "天津", "石家庄", "太原"],
    "华南": ["深圳", "广州", "厦门", "福州", "南宁"],
    "华中": ["武汉", "长沙", "郑州", "南昌"],
    "西南": ["成都", "重庆", "昆明", "贵阳"],
    "西北": ["西安", "兰州", "乌鲁木齐", "银川"],
    "东北": ["沈阳", "大连", "长春", "哈尔滨"],
}
COMPANY_CORES = (
    "星辰", "华信", "恒达", "远航", "启明", "中科", "金桥", "宏图", "博远", "瑞丰", "天成", "鼎盛", "安信", "创新", "汇通", "联合", "蓝海", "卓越", "正泰", "东方", "嘉禾", "新锐", "龙腾", "云帆", "智源", "方圆", "锦程", "盛世", "宝隆", "泰和",
)  # fmt: skip
COMPANY_SUFFIXES = {
    "制造业": "制造有限公司", "零售": "商贸有限公司", "医疗": "医疗科技有限公司", "教育": "教育科技有限公司",
    "金融": "投资管理有限公司", "物流": "物流有限公司", "互联网": "网络科技有限公司", "能源": "能源股份有限公司",
    "餐饮": "餐饮管理有限公司",
}  # fmt: skip


@dataclass(frozen=True)
class Category:
    """A categorical attribute: values, population shares and effects on the latent process."""

    values: tuple[str, ...]
    share: tuple[float, ...]
    hazard: tuple[float, ...] = ()
    extra: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = np.asarray(self.share, dtype=float)
        return rng.choice(len(self.values), size=n, p=p / p.sum()).astype(np.int16)

    def effect(self, name: str, codes: np.ndarray) -> np.ndarray:
        values = self.hazard if name == "hazard" else self.extra[name]
        return np.asarray(values, dtype=float)[codes]


REGIONS = Category(
    values=("华东", "华北", "华南", "华中", "西南", "西北", "东北"),
    share=(0.32, 0.2, 0.2, 0.1, 0.08, 0.05, 0.05),
    hazard=(1.0, 1.0, 1.0, 1.05, 1.1, 1.2, 1.15),
    # late deliveries and slow first responses (the north-west support team is understaffed)
    extra={"p_late": (0.03, 0.04, 0.035, 0.06, 0.07, 0.12, 0.09),
           "p_slow": (0.05, 0.07, 0.06, 0.1, 0.14, 0.32, 0.22)},
)  # fmt: skip

B2C_INDUSTRIES = Category(  # the member's occupation sector, as the sign-up form asks it
    values=("互联网", "教育", "医疗", "金融", "制造业", "零售", "政府机关", "学生", "自由职业"),
    share=(0.16, 0.1, 0.08, 0.08, 0.14, 0.12, 0.06, 0.14, 0.12),
    hazard=(1.15, 0.85, 0.8, 0.9, 1.0, 1.1, 0.65, 1.6, 1.3),
    extra={"rate": (1.1, 0.9, 0.9, 1.0, 0.9, 1.0, 0.8, 0.8, 1.0),
           "spend": (1.2, 1.0, 1.1, 1.4, 0.9, 0.9, 1.0, 0.5, 0.8)},
)  # fmt: skip
B2B_INDUSTRIES = Category(
    values=("制造业", "零售", "医疗", "教育", "金融", "物流", "互联网", "能源", "餐饮"),
    share=(0.22, 0.14, 0.08, 0.08, 0.08, 0.12, 0.14, 0.06, 0.08),
    hazard=(1.0, 1.2, 0.7, 0.9, 0.6, 1.3, 1.4, 0.7, 1.7),
    extra={"rate": (1.2, 1.1, 0.8, 0.7, 0.8, 1.3, 1.0, 0.9, 1.2),
           "spend": (1.3, 0.8, 1.2, 0.7, 1.5, 0.9, 1.0, 1.6, 0.5)},
)  # fmt: skip
B2C_CHANNELS = Category(
    values=("搜索广告", "社交媒体", "直播带货", "老客推荐", "线下门店", "渠道伙伴"),
    share=(0.25, 0.2, 0.15, 0.15, 0.15, 0.1),
    hazard=(1.1, 1.3, 1.75, 0.6, 0.8, 0.95),
    extra={"cac": (120.0, 80.0, 60.0, 40.0, 150.0, 100.0)},
)
B2B_CHANNELS = Category(
    values=("展会", "老客推荐", "电话销售", "官网线索", "渠道伙伴", "招投标"),
    share=(0.2, 0.15, 0.2, 0.2, 0.15, 0.1),
    hazard=(1.0, 0.6, 1.4, 1.2, 0.9, 0.7),
    extra={"cac": (15000.0, 5000.0, 8000.0, 3000.0, 10000.0, 20000.0)},
)
B2C_GROUPS = Category(
    values=("普通会员", "银卡会员", "金卡会员", "企业采购"),
    share=(0.62, 0.2, 0.1, 0.08),
    hazard=(1.1, 0.95, 0.75, 0.9),
    extra={"rate": (0.85, 1.2, 1.6, 1.3), "spend": (0.9, 1.0, 1.3, 2.5)},
)
B2B_GROUPS = Category(
    values=("普通客户", "重点客户", "战略客户"),
    share=(0.6, 0.3, 0.1),
    hazard=(1.15, 0.9, 0.6),
    extra={"rate": (0.8, 1.2, 1.6), "spend": (0.6, 1.3, 3.0)},
)
B2C_OWNERS = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷")
B2B_OWNERS = (
    "周建国",
    "吴晨",
    "徐浩宇",
    "孙丽",
    "马超",
    "朱雪",
    "胡明",
    "郭欣怡",
    "何涛",
    "高俊杰",
    "林佳琪",
    "罗鹏",
)

B2B_ROLES = ("CEO", "技术总监", "采购经理", "财务总监", "运营经理", "IT工程师", "项目经理")
B2B_ROLE_WEIGHT = np.array([0.3, 0.25, 0.2, 0.12, 0.06, 0.04, 0.03])
B2C_ROLES = ("采购专员", "行政经理")
TAGS = ("新客", "价格敏感", "VIP", "推荐来源", "大客户", "会员")


@dataclass
class Customers:
    """One chunk of customers: observed attributes and latent traits, one array entry each."""

    kind: str
    first_number: int
    acquired_day: np.ndarray
    acquired_month: np.ndarray
    industry: np.ndarray
    region: np.ndarray
    channel: np.ndarray
    group: np.ndarray
    owner: np.ndarray
    acquisition_cost: np.ndarray
    is_contractual: np.ndarray
    order_rate: np.ndarray
    spend_mean: np.ndarray
    base_hazard: np.ndarray
    price_sensitivity: np.ndarray
    p_late: np.ndarray
    p_slow: np.ndarray
    ticket_rate: np.ndarray
    interaction_rate: np.ndarray
    feedback_rate: np.ndarray
    drift_start_month: np.ndarray
    drift_rate: np.ndarray
    zh_share: np.ndarray
    budget: np.ndarray
    budget_required: np.ndarray
    technical_match: np.ndarray
    industry_fit: np.ndarray
    supply_chain_risk: np.ndarray
    fit_effect: np.ndarray
    budget_effect: np.ndarray

    @property
    def n(self) -> int:
        return len(self.acquired_day)


def categories(kind: str) -> dict[str, Category]:
    if kind == "b2b":
        return {
            "industry": B2B_INDUSTRIES,
            "channel": B2B_CHANNELS,
            "group": B2B_GROUPS,
            "region": REGIONS,
        }
    return {
        "industry": B2C_INDUSTRIES,
        "channel": B2C_CHANNELS,
        "group": B2C_GROUPS,
        "region": REGIONS,
    }


def owners(kind: str) -> tuple[str, ...]:
    return B2B_OWNERS if kind == "b2b" else B2C_OWNERS


def owner_effects(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Hazard multiplier of each account owner (some keep their customers better)."""
    return np.exp(rng.normal(0.0, 0.25, size=len(owners(kind))))


def _acquisition_days(rng: np.random.Generator, n: int, cal: Calendar) -> np.ndarray:
    # Growth: more customers join later; campaigns lift November (B2C) and trade-fair months (B2B).
    months = np.arange(cal.n_months)
    weight = (1.0 + 1.5 * months / max(cal.n_months - 1, 1)) * (
        1.0 + 0.6 * (cal.month_of_year == 11) - 0.3 * cal.is_cny
    )
    weight *= (cal.month_end - cal.month_start) / 30.0
    month = rng.choice(cal.n_months, size=n, p=weight / weight.sum())
    span = cal.month_end[month] - cal.month_start[month]
    return (cal.month_start[month] + np.floor(rng.random(n) * span)).astype(np.int32)


def make_customers(
    rng: np.random.Generator,
    n: int,
    *,
    kind: str,
    cal: Calendar,
    first_number: int,
    owner_hazard: np.ndarray,
) -> Customers:
    """Draw ``n`` customers numbered from ``first_number``."""
    cats = categories(kind)
    b2b = kind == "b2b"
    industry = cats["industry"].draw(rng, n)
    region = cats["region"].draw(rng, n)
    channel = cats["channel"].draw(rng, n)
    group = cats["group"].draw(rng, n)
    owner = rng.integers(0, len(owner_hazard), size=n).astype(np.int16)
    acquired_day = _acquisition_days(rng, n, cal)
    cac_mean = cats["channel"].effect("cac", channel)
    acquisition_cost = np.round(cac_mean * rng.lognormal(-0.08, 0.4, size=n), 2)

    rate_mult = cats["industry"].effect("rate", industry) * cats["group"].effect("rate", group)
    spend_mult = cats["industry"].effect("spend", industry) * cats["group"].effect("spend", group)
    if b2b:
        order_rate = rng.gamma(2.0, 1.4 / 2.0, size=n) * rate_mult
        spend_mean = rng.gamma(2.5, 12000.0 / 2.5, size=n) * spend_mult
        base = 0.0105
        is_contractual = rng.random(n) < 0.7
    else:
        order_rate = rng.gamma(1.3, 0.55 / 1.3, size=n) * rate_mult
        spend_mean = rng.gamma(2.0, 160.0 / 2.0, size=n) * spend_mult
        base = 0.007
        is_contractual = (rng.random(n) < 0.18) | ((group == 3) & (rng.random(n) < 0.5))
    frailty = rng.gamma(3.0, 1.0 / 3.0, size=n)
    base_hazard = (
        base
        * frailty
        * cats["industry"].effect("hazard", industry)
        * cats["channel"].effect("hazard", channel)
        * cats["region"].effect("hazard", region)
        * cats["group"].effect("hazard", group)
        * owner_hazard[owner]
    )
    p_late = np.clip(cats["region"].effect("p_late", region) * rng.lognormal(0.0, 0.3, n), 0, 0.5)
    p_slow = np.clip(cats["region"].effect("p_slow", region) * rng.lognormal(0.0, 0.3, n), 0, 0.6)
    # Some customers' needs fade: from a random month their engagement drifts away.
    drifts = rng.random(n) < (0.25 if b2b else 0.4)
    drift_start_month = np.where(drifts, rng.integers(0, cal.n_months, size=n), 10_000).astype(
        np.int32
    )
    drift_rate = rng.uniform(0.08, 0.3, size=n)

    nan = np.full(n, np.nan)
    if b2b:
        budget = np.round(spend_mean * order_rate * 12 * rng.lognormal(0.3, 0.35, n), -2)
        budget_required = np.round(spend_mean * order_rate * 12 * rng.lognormal(0.0, 0.25, n), -2)
        technical_match = np.round(rng.beta(5.0, 2.0, size=n), 2)
        industry_fit = np.round(
            np.clip(
                rng.beta(4.0, 2.0, size=n) / cats["industry"].effect("hazard", industry) ** 0.5,
                0,
                1,
            ),
            2,
        )
        supply_chain_risk = np.round(rng.beta(2.0, 5.0, size=n), 2)
        fit_effect = 2.5 * np.clip(0.6 - technical_match, 0, None)
        budget_effect = np.where(
            budget < budget_required, 0.5 + np.clip(1 - budget / budget_required, 0, 1), 0.0
        )
        zh_share = np.full(n, 0.8)
    else:
        budget = budget_required = technical_match = industry_fit = supply_chain_risk = nan
        fit_effect = budget_effect = np.zeros(n)
        zh_share = np.full(n, 0.72)
    return Customers(
        kind=kind,
        first_number=first_number,
        acquired_day=acquired_day,
        acquired_month=cal.month_of_day(acquired_day),
        industry=industry,
        region=region,
        channel=channel,
        group=group,
        owner=owner,
        acquisition_cost=acquisition_cost,
        is_contractual=is_contractual,
        order_rate=order_rate,
        spend_mean=spend_mean,
        base_hazard=base_hazard,
        price_sensitivity=rng.beta(2.0, 3.0, size=n),
        p_late=p_late,
        p_slow=p_slow,
        ticket_rate=(0.35 if b2b else 0.12) * rng.lognormal(0.0, 0.4, n),
        interaction_rate=(1.2 if b2b else 0.25) * rng.lognormal(0.0, 0.4, n),
        feedback_rate=(0.12 if b2b else 0.12) * rng.lognormal(0.0, 0.3, n),
        drift_start_month=drift_start_month,
        drift_rate=drift_rate,
        zh_share=zh_share,
        budget=budget,
        budget_required=budget_required,
        technical_match=technical_match,
        industry_fit=industry_fit,
        supply_chain_risk=supply_chain_risk,
        fit_effect=fit_effect,
        budget_effect=budget_effect,
    )


def external_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array (e.g. ``C000001``)."""
    digits = pc.utf8_lpad(
        pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width=width, padding="0"
    )
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Chinese personal names: a surname and one or two given-name characters."""
    surname = pa.array(SURNAMES).take(pa.array(rng.integers(0, len(SURNAMES), n)))
    g1 = pa.array(GIVEN).take(pa.array(rng.integers(0, len(GIVEN), n)))
    g2 = pa.array(GIVEN + [""] * len(GIVEN)).take(pa.array(rng.integers(0, 2 * len(GIVEN), n)))
    return pc.binary_join_element_wise(surname, g1, g2, "")


def company_names(rng: np.random.Generator, c: Customers) -> pa.Array:
    """Chinese company names: city of the customer's region, a brand word, an industry suffix."""
    n = c.n
    region_names = REGIONS.values
    city_lists = [CITIES[r] for r in region_names]
    pick = rng.random(n)
    sizes = np.array([len(x) for x in city_lists])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    city_index = offsets[c.region] + np.minimum(
        (pick * sizes[c.region]).astype(int), sizes[c.region] - 1
    )
    city = pa.array([x for lst in city_lists for x in lst]).take(pa.array(city_index))
    core = pa.array(COMPANY_CORES).take(pa.array(rng.integers(0, len(COMPANY_CORES), n)))
    suffix = pa.array([COMPANY_SUFFIXES[i] for i in B2B_INDUSTRIES.values]).take(
        pa.array(c.industry)
    )
    return pc.binary_join_element_wise(city, core, suffix, "")


def _tags(c: Customers, cal: Calendar, rng: np.random.Generator) -> pa.Array:
    """``a;b;c`` tags; some are noisy proxies of latent traits (price sensitivity)."""
    referral_code = categories(c.kind)["channel"].values.index("老客推荐")
    masks = [
        c.acquired_day >= cal.n_days - 90,
        (c.price_sensitivity > 0.55) & (rng.random(c.n) < 0.6),
        c.group == 2,  # 金卡会员 (B2C) or 战略客户 (B2B)
        c.channel == referral_code,
        (c.kind == "b2b") & (c.spend_mean * c.order_rate > 40000),
        (c.kind == "b2c") & c.is_contractual,
    ]
    code = np.zeros(c.n, dtype=np.int64)
    for bit, mask in enumerate(masks):
        code |= mask.astype(np.int64) << bit
    combos = [
        ";".join(t for b, t in enumerate(TAGS) if k >> b & 1) or None for k in range(2 ** len(TAGS))
    ]
    return pa.array(combos, type=pa.string()).take(pa.array(code))


def customers_table(
    c: Customers,
    cal: Calendar,
    rng: np.random.Generator,
    *,
    ids: pa.Array,
    churn_day: np.ndarray,
    contract_start_day: np.ndarray,
    contract_end_day: np.ndarray,
) -> pa.Table:
    """The chunk as rows of ``customers.csv`` (what the company knows, no latent traits)."""
    cats = categories(c.kind)
    b2b = c.kind == "b2b"
    start = cal.start64
    churned = c.is_contractual & (churn_day < cal.n_days)
    status = np.where(churned, "churned", "active")
    has_contract = c.is_contractual
    money = pa.decimal128(18, 2)

    def dates(days: np.ndarray, mask: np.ndarray) -> pa.Array:
        return pa.array(start + days.astype("timedelta64[D]"), mask=~mask, type=pa.date32())

    def decimal(x: np.ndarray) -> pa.Array:
        return pa.array(np.round(x, 2), mask=np.isnan(x), type=pa.float64()).cast(money)

    return pa.table(
        {
            "customer_id": ids,
            "name": company_names(rng, c) if b2b else person_names(rng, c.n),
            "kind": pa.array(np.full(c.n, "B2B" if b2b else "B2C")),
            "industry": pa.array(cats["industry"].values).take(pa.array(c.industry)),
            "region": pa.array(cats["region"].values).take(pa.array(c.region)),
            "group_name": pa.array(cats["group"].values).take(pa.array(c.group)),
            "tags": _tags(c, cal, rng),
            "owner": pa.array(owners(c.kind)).take(pa.array(c.owner)),
            "acquired_at": dates(c.acquired_day, np.ones(c.n, bool)),
            "acquisition_channel": pa.array(cats["channel"].values).take(pa.array(c.channel)),
            "acquisition_cost": decimal(c.acquisition_cost),
            "status": pa.array(status),
            "contract_start": dates(contract_start_day, has_contract),
            "contract_end": dates(contract_end_day, has_contract),
            "budget": decimal(c.budget),
            "budget_required": decimal(c.budget_required),
            "technical_match": pa.array(c.technical_match, mask=np.isnan(c.technical_match)),
            "industry_fit": pa.array(c.industry_fit, mask=np.isnan(c.industry_fit)),
            "supply_chain_risk": pa.array(c.supply_chain_risk, mask=np.isnan(c.supply_chain_risk)),
        }
    )


def contacts_table(
    c: Customers,
    rng: np.random.Generator,
    *,
    ids: pa.Array,
    first_number: int,
    last_contact_s: np.ndarray,
    acquired_s: np.ndarray,
    start: np.datetime64,
) -> pa.Table:
    """Contacts: B2B decision chains (2-6 people, decision weights summing to 1) and the buyers
    of B2C corporate-purchase members.

    ``last_contact_s`` is each customer's last interaction in seconds from ``start`` (-1: none).
    """
    n = c.n
    roles: tuple[str, ...]
    if c.kind == "b2b":
        roles = B2B_ROLES
        k = np.clip(rng.poisson(2.5, n) + 2, 2, 6)
        base = B2B_ROLE_WEIGHT
    else:
        roles = B2C_ROLES
        k = np.where(c.group == 3, 1 + (rng.random(n) < 0.4), 0)
        base = np.array([0.7, 0.3])
    r = len(roles)
    # Each customer's roles: a random order of the role list (senior roles tend to come first).
    order = np.argsort(rng.random((n, r)) / base[None, :] ** 0.5, axis=1)
    take = np.arange(r)[None, :] < k[:, None]
    cust = np.repeat(np.arange(n), k)
    role = order[take]
    weight = base[role] * rng.gamma(4.0, 0.25, size=len(role))
    totals = np.bincount(cust, weights=weight, minlength=n)
    weight = np.round(weight / totals[cust], 3)
    m = len(cust)
    # Last contact: the customer's last interaction, a little earlier for most people.
    last = last_contact_s[cust] - (rng.random(m) * 60 * 86400).astype(np.int64) * (
        rng.random(m) < 0.7
    )
    last = np.maximum(last, acquired_s[cust] + (9 + rng.integers(0, 9, m)) * 3600)
    last = np.minimum(last, np.maximum(last_contact_s[cust], 0))
    has_last = last_contact_s[cust] >= 0
    numbers = np.arange(first_number, first_number + m)
    phone = pc.binary_join_element_wise(
        pa.array(np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, m)]),
        pc.utf8_lpad(
            pc.cast(pa.array(rng.integers(0, 10**9, m)), pa.string()), width=9, padding="0"
        ),
        "",
    )
    email = pc.binary_join_element_wise(
        external_ids("contact", numbers, 7), pa.scalar("@example.com"), ""
    )
    return pa.table(
        {
            "external_id": external_ids("P", numbers, 7),
            "customer_id": ids.take(pa.array(cust)),
            "name": person_names(rng, m),
            "role": pa.array(roles).take(pa.array(role)),
            "decision_weight": pa.array(weight),
            "last_contacted_at": pa.array(
                start + last.astype("timedelta64[s]"), mask=~has_last, type=pa.timestamp("s")
            ),
            "email": email,
            "phone": phone,
        }
    )
