"""``nurture backtest``: how well a scoring model ranks leads whose outcome is known.

The cohort is the contacts the model scores (``marts.fct_lead_scores``) that have a CRM lead with a
known outcome (``staging.stg_crm__leads.is_converted``; a contact with several leads converted when
one did). Contacts without a known outcome are counted and left out. The outcome is read here only:
no scoring rule may read it (dbt test ``assert_scoring_rules_read_no_outcome``).

Reported: conversion rate and lift by band and by score decile, ROC AUC, precision and recall at
each candidate threshold, suggested hot and warm thresholds, and data-driven weights: a logistic
regression (scikit-learn) on the rules each contact matched in the ledger, its cross-validated AUC
beside the hand-written score's, and the points it would give each rule beside the hand-written
ones. Written to ``<out>/backtest.html`` (with the chart) and ``<out>/score_distribution.png``.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

BAND_ORDER = ("hot", "warm", "cold")

COHORT_SQL = """
with outcomes as (
    select rc.contact_id, max(case when l.is_converted then 1 else 0 end) as converted,
           count(l.is_converted) as known
    from staging.stg_crm__leads as l
    join intermediate.int_identity__record_contacts as rc
      on rc.record_source = 'stg_crm__leads' and rc.record_id = cast(l.lead_id as varchar)
    group by rc.contact_id
)
select s.contact_id, s.score, s.band, o.converted, coalesce(o.known, 0) as known
from marts.fct_lead_scores as s
left join outcomes as o using (contact_id)
where s.scoring_model = ?
"""


class BacktestError(Exception):
    """The backtest cannot run (message says why)."""


@dataclass
class Thresholds:
    hot: float
    warm: float


@dataclass
class BacktestResult:
    model: str
    cohort: int
    excluded: int
    base_rate: float
    auc: float
    current: Thresholds
    suggested: Thresholds
    bands: pd.DataFrame
    deciles: pd.DataFrame
    curve: pd.DataFrame
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    regression_auc: float | None = None
    files: list[Path] = field(default_factory=list)


# -- pure functions ---------------------------------------------------------------------------------


def roc_auc(scores: np.ndarray, outcomes: np.ndarray) -> float:
    """ROC AUC of ``scores`` for binary ``outcomes`` (ties count half)."""
    from sklearn.metrics import roc_auc_score

    if len(set(outcomes.tolist())) < 2:
        raise BacktestError("the cohort has only one outcome: AUC is undefined")
    return float(roc_auc_score(outcomes, scores))


def conversion_by(frame: pd.DataFrame, column: str, order: list | None = None) -> pd.DataFrame:
    """Leads, conversions, conversion rate and lift (rate / overall rate) per value of ``column``."""
    base = frame["converted"].mean()
    table = frame.groupby(column, observed=True).agg(
        leads=("converted", "size"),
        conversions=("converted", "sum"),
        min_score=("score", "min"),
        max_score=("score", "max"),
    )
    if order is not None:
        table = table.reindex([o for o in order if o in table.index])
    table["conversion_rate"] = table["conversions"] / table["leads"]
    table["lift"] = table["conversion_rate"] / base if base else np.nan
    return table.reset_index()


def deciles(frame: pd.DataFrame) -> pd.DataFrame:
    """Conversion by score decile, 1 = the highest scores (ties broken by order, so deciles are equal)."""
    ranked = frame.assign(rank=frame["score"].rank(method="first", ascending=False))
    ranked["decile"] = np.ceil(ranked["rank"] * 10 / len(ranked)).astype(int).clip(1, 10)
    return conversion_by(ranked, "decile", order=list(range(1, 11)))


def threshold_curve(scores: np.ndarray, outcomes: np.ndarray, max_points: int = 60) -> pd.DataFrame:
    """Precision, recall, F1 and share of leads at or above each candidate threshold (distinct scores,
    thinned to at most ``max_points`` quantiles)."""
    candidates = np.unique(scores)
    if len(candidates) > max_points:
        candidates = np.unique(np.quantile(scores, np.linspace(0, 1, max_points)))
    positives = outcomes.sum()
    rows = []
    for t in candidates:
        chosen = scores >= t
        tp = int((chosen & (outcomes == 1)).sum())
        n = int(chosen.sum())
        precision = tp / n if n else 0.0
        recall = tp / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((float(t), n, n / len(scores), precision, recall, f1))
    return pd.DataFrame(rows, columns=["threshold", "leads", "share", "precision", "recall", "f1"])


def suggest_thresholds(curve: pd.DataFrame, warm_recall: float = 0.9) -> Thresholds:
    """Hot: the threshold with the best F1 (precision and recall balanced). Warm: the highest threshold
    that still keeps ``warm_recall`` of the conversions in warm or hot (at most the hot one)."""
    hot = float(curve.loc[curve["f1"].idxmax(), "threshold"])
    keeping = curve[curve["recall"] >= warm_recall]
    warm = float(keeping["threshold"].max()) if not keeping.empty else float(curve["threshold"].min())
    return Thresholds(hot=hot, warm=min(warm, hot))


def regression_weights(
    features: pd.DataFrame, outcomes: np.ndarray, hand_points: pd.Series, seed: int = 0
) -> tuple[pd.DataFrame, float]:
    """A logistic regression of the outcome on the rules each contact matched (0/1 per rule).

    Returns one row per rule: the hand-written points, the coefficient, and proposed points (the
    coefficients rescaled so that their spread matches the hand-written points'), with the
    regression's 5-fold cross-validated AUC.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x = features.to_numpy(dtype=float)
    model = LogisticRegression(max_iter=2000, C=1.0)
    folds = min(5, int(min(outcomes.sum(), len(outcomes) - outcomes.sum())))
    if folds < 2:
        raise BacktestError("too few conversions (or non-conversions) to fit weights")
    predicted = cross_val_predict(model, x, outcomes, cv=folds, method="predict_proba")[:, 1]
    model.fit(x, outcomes)
    coefs = pd.Series(model.coef_[0], index=features.columns)
    hand = hand_points.reindex(features.columns)
    scale = hand.abs().sum() / coefs.abs().sum() if coefs.abs().sum() else 1.0
    table = pd.DataFrame(
        {
            "rule_id": features.columns,
            "contacts_matched": features.sum().to_numpy().astype(int),
            "hand_points": hand.to_numpy(),
            "coefficient": coefs.to_numpy(),
            "proposed_points": np.round(coefs.to_numpy() * scale),
        }
    ).sort_values("proposed_points", ascending=False)
    return table.reset_index(drop=True), float(roc_auc(predicted, outcomes))


# -- the warehouse and the report --------------------------------------------------------------------


def run_backtest(warehouse: Path | str, model: str, out_dir: Path) -> BacktestResult:
    """Read the cohort of ``model``, compute everything and write the report and chart to ``out_dir``."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise BacktestError(f"cannot open the warehouse {warehouse}: {exc}") from None
    with con:
        try:
            settings = con.execute(
                "select hot_threshold, warm_threshold from seeds.scoring_models where scoring_model = ?",
                [model],
            ).fetchone()
            if settings is None:
                known = [
                    r[0] for r in con.execute("select scoring_model from seeds.scoring_models").fetchall()
                ]
                raise BacktestError(f"no scoring model {model!r}; models: {', '.join(sorted(known))}")
            frame = con.execute(COHORT_SQL, [model]).fetch_df()
            ledger = con.execute(
                "select contact_id, rule_id, sum(raw_points) as points from marts.fct_score_ledger "
                "where scoring_model = ? and rule_kind in ('profile', 'behaviour', 'negative') "
                "group by contact_id, rule_id",
                [model],
            ).fetch_df()
            rule_points = con.execute(
                "select rule_id, max(points) from ("
                " select rule_id, points from seeds.scoring_profile_rules where scoring_model = ?"
                " union all select rule_id, points from seeds.scoring_behaviour_rules where scoring_model = ?"
                " union all select rule_id, points from seeds.scoring_negative_rules where scoring_model = ?"
                ") group by rule_id",
                [model, model, model],
            ).fetchall()
        except duckdb.CatalogException as exc:
            raise BacktestError(f"the scoring marts are not built yet (run `nurture build`): {exc}") from None
    known = frame[frame["known"] > 0].copy()
    excluded = len(frame) - len(known)
    if known.empty:
        raise BacktestError(f"no contact scored by {model!r} has a CRM lead with a known outcome")
    known["converted"] = known["converted"].astype(int)
    scores, outcomes = known["score"].to_numpy(dtype=float), known["converted"].to_numpy()
    curve = threshold_curve(scores, outcomes)
    result = BacktestResult(
        model=model,
        cohort=len(known),
        excluded=excluded,
        base_rate=float(outcomes.mean()),
        auc=roc_auc(scores, outcomes),
        current=Thresholds(hot=float(settings[0]), warm=float(settings[1])),
        suggested=suggest_thresholds(curve),
        bands=conversion_by(known, "band", order=list(BAND_ORDER)),
        deciles=deciles(known),
        curve=curve,
    )
    features = (
        ledger[ledger["contact_id"].isin(known["contact_id"])]
        .assign(matched=1)
        .pivot_table(index="contact_id", columns="rule_id", values="matched", aggfunc="max", fill_value=0)
        .reindex(known["contact_id"], fill_value=0)
    )
    if features.shape[1] > 0:
        hand = pd.Series({rule: float(points) for rule, points in rule_points})
        result.weights, result.regression_auc = regression_weights(features, outcomes, hand)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = out_dir / "score_distribution.png"
    write_chart(known, result, chart)
    report = out_dir / "backtest.html"
    report.write_text(render_html(result, chart))
    summary = out_dir / "backtest.json"
    summary.write_text(json.dumps(summary_dict(result), indent=2))
    result.files = [report, chart, summary]
    return result


def write_chart(frame: pd.DataFrame, result: BacktestResult, path: Path) -> None:
    """Score histogram of converted vs not converted leads, with the current and suggested thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    bins = np.histogram_bin_edges(frame["score"], bins=30)
    ax.hist(frame.loc[frame["converted"] == 0, "score"], bins=bins, alpha=0.6, label="not converted")
    ax.hist(frame.loc[frame["converted"] == 1, "score"], bins=bins, alpha=0.6, label="converted")
    for value, style, label in (
        (result.current.hot, "-", "hot threshold"),
        (result.current.warm, "--", "warm threshold"),
        (result.suggested.hot, ":", "suggested hot"),
    ):
        ax.axvline(value, color="black", linestyle=style, linewidth=1, label=f"{label} ({value:g})")
    ax.set_xlabel("score")
    ax.set_ylabel("leads")
    ax.set_title(f"{result.model}: score distribution (AUC {result.auc:.3f}, {result.cohort:,} leads)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary_dict(result: BacktestResult) -> dict:
    return {
        "model": result.model,
        "cohort": result.cohort,
        "excluded_without_outcome": result.excluded,
        "base_rate": round(result.base_rate, 4),
        "auc": round(result.auc, 4),
        "regression_cv_auc": None if result.regression_auc is None else round(result.regression_auc, 4),
        "current_thresholds": vars(result.current),
        "suggested_thresholds": vars(result.suggested),
        "bands": {
            row.band: {"leads": int(row.leads), "conversion_rate": round(float(row.conversion_rate), 4)}
            for row in result.bands.itertuples()
        },
    }


def _table(frame: pd.DataFrame, percent: tuple[str, ...] = ()) -> str:
    formatters = {c: (lambda v: f"{v:.1%}") for c in percent if c in frame}
    return frame.to_html(index=False, float_format=lambda v: f"{v:,.2f}", formatters=formatters, border=0)


def render_html(result: BacktestResult, chart: Path) -> str:
    image = base64.b64encode(chart.read_bytes()).decode("ascii")
    pct = ("conversion_rate", "share", "precision", "recall")
    weights = (
        _table(result.weights)
        if not result.weights.empty
        else "<p>No rule matched any contact of the cohort: nothing to fit.</p>"
    )
    regression = (
        f"<p>Cross-validated AUC of the regression on the same rules: <b>{result.regression_auc:.3f}</b> "
        f"(hand-written score: {result.auc:.3f}).</p>"
        if result.regression_auc is not None
        else ""
    )
    title = html.escape(f"Backtest of the scoring model {result.model}")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:2px 10px;text-align:right}}th{{border-bottom:1px solid #999}}</style></head><body>
<h1>{title}</h1>
<p>{result.cohort:,} leads with a known outcome ({result.excluded:,} scored contacts without one left out);
{result.base_rate:.1%} converted. <b>ROC AUC {result.auc:.3f}</b>.</p>
<p>Thresholds now: hot at {result.current.hot:g}, warm at {result.current.warm:g}.
Suggested: hot at {result.suggested.hot:g} (best F1), warm at {result.suggested.warm:g}
(keeps 90% of conversions in warm or hot).</p>
<img src="data:image/png;base64,{image}" alt="score distribution">
<h2>Conversion by band</h2>{_table(result.bands, pct)}
<h2>Conversion by score decile (1 = highest scores)</h2>{_table(result.deciles, pct)}
<h2>Precision and recall at each candidate threshold</h2>{_table(result.curve, pct)}
<h2>Data-driven weights beside the hand-written ones</h2>
<p>A logistic regression (scikit-learn) of conversion on which rules each lead matched;
proposed points are its coefficients rescaled to the hand-written points' total. A guide for the
next revision of the rule tables, not applied automatically.</p>{regression}{weights}
</body></html>
"""


def render_text(result: BacktestResult) -> str:
    lines = [
        f"backtest of {result.model}: {result.cohort:,} leads with a known outcome "
        f"({result.excluded:,} without one left out), {result.base_rate:.1%} converted",
        f"ROC AUC {result.auc:.3f}"
        + (
            f"; logistic regression on the same rules (5-fold CV) {result.regression_auc:.3f}"
            if result.regression_auc
            else ""
        ),
        "band   leads  conversion  lift",
    ]
    for row in result.bands.itertuples():
        lines.append(f"{row.band:5} {row.leads:6,}  {row.conversion_rate:9.1%}  {row.lift:4.2f}")
    lines.append(
        f"thresholds: hot {result.current.hot:g} / warm {result.current.warm:g}; "
        f"suggested hot {result.suggested.hot:g} / warm {result.suggested.warm:g}"
    )
    lines.extend(f"wrote {path}" for path in result.files)
    return "\n".join(lines)
