"""Churn model quality against its baselines, and scoring speed, in one run.

Quality (issue 4, part 10): ROC-AUC of keepwise's churn probability against
* a recency rule (score = days since the last order) and
* BG/NBD P(alive) (score = 1 - P(alive), keepwise's BetaGeoModel),
on three demo companies (seeds 11, 1, 2; labels from their orders and from the generator's
ground truth), CDNOW (calibrate to 1997-09-30; churn = no purchase in the holdout to
1998-06-30) and an Olist subset (churn = no purchase in 2017-10..12). Target: keepwise >=
better baseline + 0.03. For CDNOW the run also prints how high a model cross-validated on the
holdout labels themselves gets, from keepwise's features and from the whole calibration
history: the ROC-AUC the data allows, against which the target can be judged.

Speed: 1,000,000 customers featurised, scored (probability, tier, three reasons) and written
to a SQLite store in under 60 seconds (the model is fitted beforehand on a sample; not timed).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATASETS = Path(
    os.environ.get("KEEPWISE_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets")
)
TARGET_GAIN = 0.03
#: The baselines of the issue's quality target.
ISSUE_BASELINES = ("recency_rule", "bgnbd_p_alive")
SPEED_TARGET_S = 60.0


def _auc(y: Any, s: Any) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(y), np.asarray(s)))


def _bgnbd_churn_score(
    orders: pd.DataFrame, cutoff: str, *, horizon_days: float | None = None
) -> pd.Series:
    """1 - P(alive) at the cutoff from keepwise's BG/NBD, indexed by customer_id; with
    ``horizon_days``, minus the expected number of purchases in that horizon instead."""
    import ibis

    from keepwise.analytics.clv import BetaGeoModel, rfm_summary

    rfm = rfm_summary(
        ibis.memtable(orders[["customer_id", "ordered_at", "amount"]]),
        calibration_end=cutoff,
        time_unit="D",
    ).to_pandas()
    rfm = rfm.set_index("customer_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BetaGeoModel(penalizer=0.001).fit(rfm)
    if horizon_days is not None:
        return pd.Series(-model.expected_purchases(rfm, horizon=horizon_days), index=rfm.index)
    return pd.Series(1.0 - model.probability_alive(rfm), index=rfm.index)


def _report(name: str, y: np.ndarray, scores: dict[str, np.ndarray]) -> float:
    """AUCs; the target is judged against the issue's baselines (recency rule, BG/NBD
    P(alive)); extra, stricter baselines are shown with keepwise's gain over them too."""
    aucs = {k: _auc(y, v) for k, v in scores.items()}
    base = max(v for k, v in aucs.items() if k in ISSUE_BASELINES)
    gain = aucs["keepwise"] - base
    parts = "  ".join(f"{k} {v:.4f}" for k, v in aucs.items())
    met = "MET" if gain >= TARGET_GAIN else "NOT MET"
    print(f"[{name}] n={len(y):,} churn rate {np.mean(y):.3f}  ROC-AUC: {parts}")
    print(
        f"[{name}] keepwise - better of recency rule and P(alive) = {gain:+.4f} "
        f"(target >= +{TARGET_GAIN}): {met}",
        flush=True,
    )
    if set(aucs) - {"keepwise", *ISSUE_BASELINES}:
        best = max(v for k, v in aucs.items() if k != "keepwise")
        print(f"[{name}] keepwise - best of all baselines shown = {aucs['keepwise'] - best:+.4f}")
    return gain


def _orders_only_model(ds: Any, *, horizon: int, latest: str, n_cutoffs: int, step: int) -> Any:
    from keepwise.analytics.churn.transaction import TransactionChurnModel

    return TransactionChurnModel(horizon_days=horizon, n_cutoffs=n_cutoffs, step_days=step).fit(
        ds, cutoff=latest
    )


def _score_at(model: Any, ds: Any, when: str) -> pd.DataFrame:
    feats = model.features_at(ds, when)
    X = model._encode(feats, fit=False)
    return pd.DataFrame(
        {
            "customer_id": feats["customer_id"].astype(str),
            "p": model.classifier_.churn_probability(X),
            "recency_days": feats["recency_days"].to_numpy(),
        }
    )


# ------------------------------------------------------------------------- demo
#: Demo companies generated for the quality check: one seed says little (the ground-truth
#: gain moves by about +-0.005 between seeds), so the full run reports three and judges each.
DEMO_SEEDS = (11, 1, 2)


def _demo_gains(kind: str, n: int, seed: int) -> dict[str, float]:
    """Fit on the earlier cutoffs of one demo company, validate on the last; report AUCs and
    return keepwise's gain over the better issue baseline per label kind."""
    from keepwise.analytics.churn.labels import label_cutoffs
    from keepwise.analytics.churn.transaction import TransactionChurnModel, labelled_frame
    from keepwise.analytics.dataset import load_dataset
    from keepwise.demo import generate

    gains: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, customers=n, kind=kind, seed=seed)
        ds = load_dataset(tmp)
        truth = pd.read_csv(
            Path(tmp) / "ground_truth" / "ground_truth.csv",
            dtype={"customer_id": str},
            parse_dates=["churned_at"],
        )
        orders = ds.orders.to_pandas()
        cuts = label_cutoffs(ds, horizon_days=90, count=4)
        val = cuts[-1]
        frame = labelled_frame(ds, cuts, horizon_days=90)
        is_val = pd.to_datetime(frame["cutoff"]).dt.date == val
        model = TransactionChurnModel(horizon_days=90).fit_frame(
            frame[~is_val].reset_index(drop=True)
        )
        valid = frame[is_val].reset_index(drop=True)
        p = model.classifier_.churn_probability(model._encode(valid, fit=False))
        bg = (
            _bgnbd_churn_score(orders, str(val))
            .reindex(valid["customer_id"])
            .fillna(0.0)
            .to_numpy()
        )
        scores = {
            "keepwise": p,
            "recency_rule": valid["recency_days"].to_numpy(),
            "bgnbd_p_alive": bg,
        }
        gains["orders"] = _report(
            f"demo {kind} seed {seed}, {n:,} customers, cutoff {val}, horizon 90d, labels from orders",
            valid["churned"].to_numpy(),
            scores,
        )
        gt = truth.set_index("customer_id")["churned_at"].reindex(valid["customer_id"])
        h_end = pd.Timestamp(val) + pd.Timedelta(days=90)
        y_gt = (gt.notna() & (gt <= h_end)).to_numpy().astype(int)
        if 0 < y_gt.sum() < len(y_gt):
            gains["ground truth"] = _report(
                f"demo {kind} seed {seed}, labels = ground truth (latent churn in the horizon)",
                y_gt,
                scores,
            )
    return gains


def bench_demo(quick: bool) -> None:
    n = 1500 if quick else 5000
    seeds = DEMO_SEEDS[:1] if quick else DEMO_SEEDS
    for kind in ("b2b", "b2c"):
        per_seed = [_demo_gains(kind, n, seed) for seed in seeds]
        for labels in per_seed[0]:
            g = np.array([d[labels] for d in per_seed if labels in d])
            met = int((g >= TARGET_GAIN).sum())
            print(
                f"[demo {kind}, {labels}] gain over the better baseline on {len(g)} companies "
                f"(seeds {', '.join(map(str, seeds))}): min {g.min():+.4f}, mean {g.mean():+.4f}; "
                f"target met on {met} of {len(g)}",
                flush=True,
            )


# ------------------------------------------------------------------------ CDNOW
def bench_cdnow(quick: bool) -> None:
    from keepwise.analytics.dataset import load_dataset

    path = DATASETS / "cdnow_lifetimes" / "CDNOW_master.txt"
    if not path.is_file():
        print(f"[cdnow] SKIPPED: {path} not found")
        return
    raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    orders = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
            "quantity": raw["number_of_cds"].astype(float),
        }
    )
    cal_end = pd.Timestamp("1997-09-30")
    ds = load_dataset({"orders": orders})
    # training labels: 90-day horizons ending before the calibration end (no holdout data is seen)
    model = _orders_only_model(ds, horizon=90, latest="1997-07-01", n_cutoffs=3, step=30)
    s = _score_at(model, ds, "1997-09-30")
    after = orders[
        (orders["ordered_at"] > cal_end + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))
    ]
    bought = set(after["customer_id"])
    y = (~s["customer_id"].isin(bought)).astype(int).to_numpy()
    bg = _bgnbd_churn_score(orders, "1997-09-30").reindex(s["customer_id"]).to_numpy()
    bg_x = (
        _bgnbd_churn_score(orders, "1997-09-30", horizon_days=273)
        .reindex(s["customer_id"])
        .to_numpy()
    )
    _report(
        "CDNOW 23,570 customers, calibrate to 1997-09-30, churn = no purchase to 1998-06-30",
        y,
        {
            "keepwise": s["p"].to_numpy(),
            "recency_rule": s["recency_days"].to_numpy(),
            "bgnbd_p_alive": bg,
            "bgnbd_expected_purchases": bg_x,
        },
    )
    _holdout_ceiling(model, ds, orders, cal_end, s["customer_id"], y)


def _cv_auc(X: Any, y: np.ndarray, *, seeds: tuple[int, ...] = (0, 1, 2), **params: Any) -> float:
    """Mean ROC-AUC of LightGBM cross-validated (5 folds) on ``y`` itself, over fold seeds."""
    import lightgbm as lgb
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    kw = dict(n_estimators=300, learning_rate=0.03, num_leaves=15, min_child_samples=100)
    kw.update(params)
    aucs = []
    for seed in seeds:
        clf = lgb.LGBMClassifier(**kw, random_state=seed, verbose=-1)
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        p = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
        aucs.append(_auc(y, p))
    return float(np.mean(aucs))


def _calibration_history(
    orders: pd.DataFrame, cal_end: pd.Timestamp, ids: pd.Series
) -> pd.DataFrame:
    """Everything the calibration period says about each customer, as columns: x, t_x, T,
    recency, CDs and dollars, gaps between purchase days, purchases in the last 30-180 days,
    and the purchase count and dollars of every single week (the whole history)."""
    cal = orders[orders["ordered_at"] <= cal_end].copy()
    start = cal["ordered_at"].min().normalize()
    cal["day"] = (cal["ordered_at"] - start).dt.days
    last_day = int((cal_end - start).days)
    days = (
        cal.groupby(["customer_id", "day"])
        .agg(cds=("quantity", "sum"), dollars=("amount", "sum"))
        .reset_index()
        .sort_values(["customer_id", "day"])
    )
    days["gap"] = days.groupby("customer_id")["day"].diff()
    g = days.groupby("customer_id")
    f = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    f["first"] = g["day"].min()
    f["last"] = g["day"].max()
    f["x"] = g.size() - 1
    f["T"] = last_day - f["first"]
    f["recency"] = last_day - f["last"]
    f["t_x"] = f["last"] - f["first"]
    f["cds"] = g["cds"].sum()
    f["dollars"] = g["dollars"].sum()
    f["first_dollars"] = g["dollars"].first()
    f["last_dollars"] = g["dollars"].last()
    f["mean_gap"] = g["gap"].mean()
    f["max_gap"] = g["gap"].max()
    f["std_gap"] = g["gap"].std()
    f["last_gap"] = g["gap"].last()
    for w in (30, 60, 90, 180):
        f[f"days_last_{w}"] = days[days["day"] > last_day - w].groupby("customer_id").size()
    days["week"] = days["day"] // 7
    weekly = days.pivot_table(
        index="customer_id", columns="week", values=["cds", "dollars"], aggfunc="sum", fill_value=0
    )
    weekly.columns = [f"{v}_week_{w}" for v, w in weekly.columns]
    return f.join(weekly).fillna(
        {c: 0 for c in weekly.columns} | {f"days_last_{w}": 0 for w in (30, 60, 90, 180)}
    )


def _holdout_ceiling(
    model: Any, ds: Any, orders: pd.DataFrame, cal_end: pd.Timestamp, ids: pd.Series, y: np.ndarray
) -> None:
    """References, not models: LightGBM cross-validated on the *holdout labels themselves*,
    (a) with keepwise's features and (b) with the whole calibration-period history of each
    customer (every week's purchases and dollars, gaps, x/t_x/T). They see the evaluation
    labels, so they are no baselines: they estimate the highest ROC-AUC the calibration data
    allows on this evaluation, to set the issue's target (better baseline + 0.03) against."""
    X = model._encode(model.features_at(ds, str(cal_end.date())), fit=False)
    ours = _cv_auc(X, y)
    print(
        f"[cdnow] reference: LightGBM cross-validated on the holdout labels, keepwise's "
        f"features: ROC-AUC {ours:.4f}",
        flush=True,
    )
    H = _calibration_history(orders, cal_end, ids)
    whole = max(
        _cv_auc(H, y),
        _cv_auc(H, y, num_leaves=7, n_estimators=600, min_child_samples=300, learning_rate=0.02),
        _cv_auc(H, y, num_leaves=31, n_estimators=200, min_child_samples=50),
    )
    print(
        f"[cdnow] reference: the same on the whole calibration history ({H.shape[1]} columns, "
        f"best of three tree sizes): ROC-AUC {whole:.4f}",
        flush=True,
    )
    rec = _auc(y, H["recency"].to_numpy())
    print(
        f"[cdnow] the target {rec + TARGET_GAIN:.4f} (recency rule {rec:.4f} + {TARGET_GAIN}) is "
        f"{rec + TARGET_GAIN - max(whole, ours):+.4f} above the best of these references",
        flush=True,
    )


# ------------------------------------------------------------------------ Olist
def bench_olist(quick: bool) -> None:
    from keepwise.analytics.dataset import load_dataset

    folder = DATASETS / "olist" / "subset_2017_10k"
    if not folder.is_dir():
        print(f"[olist] SKIPPED: {folder} not found")
        return
    o = pd.read_csv(folder / "orders.csv", parse_dates=["order_purchase_timestamp"])
    c = pd.read_csv(folder / "customers.csv")
    items = pd.read_csv(folder / "order_items.csv")
    amount = items.groupby("order_id")[["price", "freight_value"]].sum().sum(axis=1)
    o = o[o["order_status"] != "canceled"].merge(
        c[["customer_id", "customer_unique_id", "customer_state"]], on="customer_id"
    )
    orders = pd.DataFrame(
        {
            "external_id": o["order_id"],
            "customer_id": o["customer_unique_id"],
            "ordered_at": o["order_purchase_timestamp"],
            "amount": o["order_id"].map(amount).fillna(0.0),
        }
    )
    customers = c.drop_duplicates("customer_unique_id").rename(
        columns={"customer_unique_id": "cid"}
    )
    customers = pd.DataFrame(
        {"customer_id": customers["cid"], "region": customers["customer_state"]}
    )
    ds = load_dataset({"orders": orders, "customers": customers})
    model = _orders_only_model(ds, horizon=60, latest="2017-08-01", n_cutoffs=3, step=30)
    s = _score_at(model, ds, "2017-09-30")
    bought = set(orders.loc[orders["ordered_at"] >= "2017-10-01", "customer_id"])
    y = (~s["customer_id"].isin(bought)).astype(int).to_numpy()
    bg = _bgnbd_churn_score(orders, "2017-09-30").reindex(s["customer_id"]).to_numpy()
    print(
        f"[olist] note: only {int((1 - y).sum())} of {len(y):,} customers buy again in 2017-10..12; AUCs are noisy"
    )
    _report(
        "Olist subset, calibrate to 2017-09-30, churn = no purchase in 2017-10..12",
        y,
        {
            "keepwise": s["p"].to_numpy(),
            "recency_rule": s["recency_days"].to_numpy(),
            "bgnbd_p_alive": bg,
        },
    )


# -------------------------------------------------------------------- sentiment
def bench_sentiment(quick: bool) -> None:
    """Accuracy of the offline sentiment scores (issue 4, part 8) on labelled texts: the sign
    of the score against the label, next to the same scorers without keepwise's CRM lexicon
    and the majority-class share."""
    from keepwise.analytics._sentiment_examples import CHINESE, ENGLISH
    from keepwise.analytics.sentiment import sentiment_accuracy

    sets: list[tuple[str, list[str], list[int]]] = []
    path = DATASETS / "chinese_sentiment" / "waimai_10k.csv"
    if path.is_file():
        df = pd.read_csv(path)
        if quick:
            df = df.sample(800, random_state=0)
        sets.append(
            (
                f"waimai_10k reviews ({'sample' if quick else 'all'})",
                list(df["review"]),
                list(df["label"]),
            )
        )
    else:
        print(f"[sentiment] SKIPPED waimai_10k: {path} not found")
    for name, data in (("English CRM sentences", ENGLISH), ("Chinese CRM sentences", CHINESE)):
        texts, labels = zip(*data, strict=True)
        sets.append((f"hand-labelled {name}", list(texts), list(labels)))
    for name, texts, labels in sets:
        t0 = time.perf_counter()
        acc = sentiment_accuracy(texts, labels)
        took = time.perf_counter() - t0
        plain = sentiment_accuracy(texts, labels, use_lexicon=False)
        majority = max(np.mean(labels), 1 - np.mean(labels))
        print(
            f"[sentiment] {name}: n={len(texts):,}  accuracy {acc:.3f}  without the CRM lexicon "
            f"{plain:.3f}  majority class {majority:.3f}  ({took:.1f} s)",
            flush=True,
        )


# ------------------------------------------------------------------------ speed
def _synthetic_orders(n_customers: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    per = rng.poisson(4, n_customers) + 1
    cid = np.repeat(np.arange(n_customers), per)
    start = pd.Timestamp("2024-01-01").value // 10**9
    span = 730 * 86400
    churn_day = rng.uniform(0.2, 1.6, n_customers) * span  # some stop buying before the end
    t = rng.uniform(0, 1, len(cid)) * np.minimum(churn_day[cid], span)
    orders = pd.DataFrame(
        {
            "customer_id": pd.Series(cid).map(lambda i: f"C{i:07d}")
            if n_customers < 1000
            else np.char.add("C", np.char.zfill(cid.astype(str), 7)),
            "ordered_at": pd.to_datetime(start + t.astype(np.int64), unit="s"),
            "amount": np.round(rng.gamma(2.0, 60.0, len(cid)), 2),
        }
    )
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "region": rng.choice(["华东", "华北", "华南", "西南"], n_customers),
            "acquisition_channel": rng.choice(["搜索广告", "老客推荐", "社交媒体"], n_customers),
        }
    )
    return orders, customers


def _seed_store(url: str, customers: pd.DataFrame) -> None:
    from sqlalchemy import create_engine

    from keepwise.store import upgrade

    upgrade(url)
    eng = create_engine(url)
    now = "2026-01-01 00:00:00.000000"
    rows = [(cid, cid, "B2C", "active", now, now) for cid in customers["customer_id"]]
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (external_id, name, kind, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    eng.dispose()


def bench_speed(quick: bool) -> None:
    from keepwise.analytics.churn.transaction import TransactionChurnModel
    from keepwise.analytics.dataset import load_dataset
    from keepwise.store.scores import write_churn_scores

    n = 100_000 if quick else 1_000_000
    orders, customers = _synthetic_orders(n)
    sample_ids = set(customers["customer_id"].iloc[: min(n, 50_000)])
    fit_ds = load_dataset(
        {
            "orders": orders[orders["customer_id"].isin(sample_ids)],
            "customers": customers[customers["customer_id"].isin(sample_ids)],
        }
    )
    model = TransactionChurnModel(horizon_days=90, n_cutoffs=2, sentiment=False).fit(fit_ds)
    model.classifier_.n_jobs = 2
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'speed.db'}"
        _seed_store(url, customers)
        ds = load_dataset({"orders": orders, "customers": customers})
        as_of = "2025-12-31"
        t0 = time.perf_counter()
        feats = model.features_at(ds, as_of)
        t1 = time.perf_counter()
        from keepwise.analytics.churn.reasons import top_reasons
        from keepwise.analytics.churn.templates import TOPICS, describe_feature
        from keepwise.analytics.churn.tiers import assign_tiers

        clf = model.classifier_
        X = model._encode(feats, fit=False)
        p = clf.churn_probability(X)
        tiers = assign_tiers(p, clf.tier_thresholds_)
        t_prob = time.perf_counter()
        contrib = clf.contributions(X)
        t_contrib = time.perf_counter()
        reasons = top_reasons(
            contrib, feats, describe_feature, lowering=p < clf.tier_thresholds_[0], group_of=TOPICS
        )
        t2 = time.perf_counter()
        scores = pd.DataFrame(
            {
                "customer_id": feats["customer_id"].astype(str),
                "cutoff": date(2025, 12, 31),
                "churn_probability": p,
                "risk_tier": tiers,
                "reasons_json": [[r.to_dict() for r in rs] for rs in reasons],
            }
        )
        t_dicts = time.perf_counter()
        written = write_churn_scores(url, scores, horizon_days=90, model_version="bench")
        t3 = time.perf_counter()
    total = t3 - t0
    print(
        f"[speed] {len(feats):,} active customers of {n:,} ({len(orders):,} orders): features {t1 - t0:.1f} s, "
        f"probability + tier {t_prob - t1:.1f} s, contributions {t_contrib - t_prob:.1f} s, "
        f"reason sentences {t2 - t_contrib:.1f} s, reason records {t_dicts - t2:.1f} s, "
        f"write {written:,} rows to SQLite {t3 - t_dicts:.1f} s; total {total:.1f} s"
    )
    if not quick:
        print(
            f"[speed] target < {SPEED_TARGET_S:.0f} s for 1,000,000 customers: {'MET' if total < SPEED_TARGET_S else 'NOT MET'}",
            flush=True,
        )


def main(quick: bool) -> None:
    for part in (bench_demo, bench_cdnow, bench_olist, bench_sentiment, bench_speed):
        started = time.perf_counter()
        part(quick)
        print(f"  ({part.__name__} took {time.perf_counter() - started:.1f} s)", flush=True)
