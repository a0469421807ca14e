"""After loading the demo company: fit the churn model, score every customer, record warnings.

So that a fresh ``make demo`` opens on a dashboard with an at-risk list, reasons and
warnings, the demo runs what a user would run after an import
(``keepwise churn fit``, ``keepwise churn score``, ``keepwise warnings --save``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoInsights:
    """What :func:`score_demo` produced."""

    model_path: Path
    model_version: str
    scored: int
    high_risk: int
    warnings_saved: int


def score_demo(
    url: str, out_dir: str | Path, *, seed: int = 0, step: Callable[[str], None] | None = None
) -> DemoInsights:
    """Fit a 90-day churn model on the store at ``url``, score its customers and save warnings.

    The model file is written to ``out_dir/churn-model.kwm``; scores go to the store's
    ``churn_scores`` table and warnings to ``warnings``, exactly as the CLI commands do.
    """
    from keepwise.analytics.churn import RiskTiers, save_model
    from keepwise.analytics.churn.labels import data_end
    from keepwise.analytics.churn.transaction import fit_transaction_model
    from keepwise.analytics.dataset import load_dataset
    from keepwise.analytics.warnings import evaluate_warnings
    from keepwise.store.scores import write_churn_scores
    from keepwise.store.warnings import save_warnings

    def say(what: str) -> None:
        if step is not None:
            step(what)

    say("reading the store")
    dataset = load_dataset(url)
    say("fitting the churn model")
    # Tiers by share: the top 15% of customers are high risk, the next 25% medium, a list
    # a sales team can work through (probability thresholds depend on the base rate).
    tiers = RiskTiers("share", medium=0.25, high=0.15)
    model = fit_transaction_model(dataset, horizon="90d", tiers=tiers, random_state=seed)
    model_path = Path(out_dir) / "churn-model.kwm"
    meta = save_model(model, model_path, kind="transaction", metadata=model.metadata())
    say("scoring customers")
    # Scores and warnings as of the last day of the demo's history, not today (the history
    # ends on a fixed date, so "today" would make every customer look silent).
    as_of = data_end(dataset)
    scores = model.score_frame(dataset, as_of=as_of)
    write_churn_scores(
        url, scores, horizon_days=model.horizon_days, model_version=meta["model_version"]
    )
    say("evaluating warning rules")
    saved = save_warnings(url, evaluate_warnings(dataset, as_of=as_of))
    return DemoInsights(
        model_path=model_path,
        model_version=str(meta["model_version"]),
        scored=len(scores),
        high_risk=int((scores["risk_tier"] == "high").sum()),
        warnings_saved=int(saved.inserted),
    )
