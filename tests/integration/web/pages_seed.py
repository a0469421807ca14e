"""A small, fully known demo store for the page tests (integration and browser).

A generated demo company (``keepwise.demo``) loaded through the importer, one customer
named ``<script>alert(1)</script>`` owned by the sales rep ``rep1``, churn scores for a
slice of customers (so the at-risk list and risk history have data), and three users:
``admin`` (admin), ``rep1`` and ``rep2`` (sales reps). Every password is ``PASSWORD``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from keepwise.accounts import create_user
from keepwise.analytics.churn.reasons import Reason
from keepwise.analytics.warnings import SilenceRule
from keepwise.demo import generate
from keepwise.demo.loader import load_demo
from keepwise.errors import plural_message
from keepwise.models import ChurnScore, Customer, Order, Warning
from keepwise.store import session_scope

PASSWORD = "correct horse battery"
XSS_NAME = "<script>alert(1)</script>"
XSS_ID = "CXSS01"
REP2_ID = "CREP2"


def seed_store(url: str, folder: Path, *, customers: int = 150) -> dict[str, str]:
    """Fill the store at ``url``; return the ids the tests look for."""
    generate(folder, customers=customers, kind="b2b", seed=3, years=2)
    load_demo(url, folder)
    create_user(url, "admin", PASSWORD, role="admin", display_name="Admin")
    create_user(url, "rep1", PASSWORD, role="sales_rep", display_name="Rep One")
    create_user(url, "rep2", PASSWORD, role="sales_rep", display_name="Rep Two")
    with session_scope(url) as session:
        last = session.execute(
            select(Order.ordered_at).order_by(Order.ordered_at.desc()).limit(1)
        ).scalar_one()
        xss = Customer(
            external_id=XSS_ID,
            name=XSS_NAME,
            kind="B2B",
            owner="rep1",
            status="active",
            region="华东",
            tags=["<b>vip</b>"],
            acquired_at=date(2025, 1, 5),
        )
        other = Customer(
            external_id=REP2_ID,
            name="Rep Two's Customer",
            kind="B2B",
            owner="rep2",
            status="active",
            acquired_at=date(2025, 1, 5),
        )
        session.add_all([xss, other])
        session.flush()
        for i, (cust, amount) in enumerate(((xss, 500000), (other, 7000))):
            session.add(
                Order(
                    external_id=f"OSEED{i}",
                    customer_id=cust.id,
                    ordered_at=last - timedelta(days=40),
                    amount=amount,
                    currency="CNY",
                    status="completed",
                    product="Seed",
                )
            )
        session.add(
            Warning(
                customer_id=xss.id,
                rule="silence",
                observed=95,
                threshold=40,
                at=last - timedelta(days=1),
                severity="high",
                action="reach out",
                message=SilenceRule(name="silence")
                .describe({"observed": 95, "median_gap": 10, "at": "2025-09-27"})
                .to_dict(),
                status="open",
            )
        )
        customers_ = (
            session.execute(select(Customer).order_by(Customer.id).limit(60)).scalars().all()
        )
        for cust in customers_[40:60]:  # rep1's book: 20 demo customers and the script-named one
            cust.owner = "rep1"
        scored = [*customers_, xss, other]
        # the newest score's reason as keepwise writes it now (catalog key and parameters), the
        # older one as a store from before the catalogs kept it (its finished texts)
        reason = {
            0: Reason(
                "recency_days",
                95,
                0.8,
                plural_message("no order for %(n)s day", "no order for %(n)s days", 95),
            ).to_dict(),
            60: {
                "feature": "days_since_last_order",
                "value": 95,
                "impact": 0.8,
                "message": {
                    "texts": {
                        "en": "No order for 95 days (raises churn risk)",
                        "zh_CN": "已 95 天没有下单（推高流失风险）",
                    }
                },
            },
        }
        for i, cust in enumerate(scored):
            p = 0.92 if cust is xss else (0.15 + (i * 37 % 80) / 100)
            tier = "high" if p >= 0.6 else "medium" if p >= 0.35 else "low"
            for age, shift in ((60, -0.1), (0, 0.0)):
                session.add(
                    ChurnScore(
                        customer_id=cust.id,
                        scored_at=datetime(2026, 1, 1) - timedelta(days=age),
                        cutoff=(last - timedelta(days=age)).date(),
                        horizon_days=90,
                        probability=min(max(p + shift, 0.0), 1.0),
                        risk_tier=tier,
                        reasons=[reason[age]],
                        model_version="test-1",
                    )
                )
    return {"xss_id": XSS_ID, "rep2_id": REP2_ID}
