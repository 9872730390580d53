"""Predicted customer lifetime value: a BG/NBD model (purchases and drop-out) and a Gamma-Gamma
model (spend per purchase) from pymc-marketing, fitted by maximum a posteriori on
`int_lifecycle__clv_inputs`, predicting `clv_horizon_months` ahead (undiscounted).

DuckDB only (Python models do not run on the other targets; `dim_customer_value` then leaves the
prediction null). When the library is not installed, or there are too few repeat customers to fit,
every prediction is null and `clv_model_status` says why.
"""

import warnings

import pandas as pd

MIN_REPEAT_CUSTOMERS = 20
COLUMNS = [
    "contact_id",
    "clv_predicted",
    "expected_purchases",
    "probability_alive",
    "clv_model_status",
]


def _point(values) -> list[float]:
    """A MAP fit has one chain and one draw: the point estimate per customer."""
    if "chain" in values.dims:
        values = values.mean(("chain", "draw"))
    return [float(v) for v in values.values]


def _empty(inputs: pd.DataFrame, status: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contact_id": inputs["contact_id"].astype(str),
            "clv_predicted": pd.Series([None] * len(inputs), dtype="float64"),
            "expected_purchases": pd.Series([None] * len(inputs), dtype="float64"),
            "probability_alive": pd.Series([None] * len(inputs), dtype="float64"),
            "clv_model_status": status,
        },
        columns=COLUMNS,
    )


def predict(inputs: pd.DataFrame) -> pd.DataFrame:
    if inputs.empty:
        return _empty(inputs, "no customers")
    try:
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    except ImportError:
        return _empty(inputs, "not computed: pymc-marketing is not installed")

    horizon_months = int(inputs["clv_horizon_months"].iloc[0])
    data = pd.DataFrame(
        {
            "customer_id": range(len(inputs)),
            "frequency": inputs["frequency"].astype("float64"),
            "recency": inputs["recency"].astype("float64"),
            "T": inputs["t_days"].astype("float64"),
            "monetary_value": inputs["monetary_value"].astype("float64"),
        }
    )
    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        return _empty(inputs, f"not computed: {len(repeat)} repeat customers, {MIN_REPEAT_CUSTOMERS} needed")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg_nbd = BetaGeoModel(data=data[["customer_id", "frequency", "recency", "T"]])
        bg_nbd.fit(method="map", progressbar=False)
        gamma_gamma = GammaGammaModel(data=repeat[["customer_id", "frequency", "monetary_value"]])
        gamma_gamma.fit(method="map", progressbar=False)
        clv = gamma_gamma.expected_customer_lifetime_value(
            transaction_model=bg_nbd,
            data=data,
            future_t=horizon_months,
            discount_rate=0.0,
            time_unit="D",
        )
        purchases = bg_nbd.expected_purchases(
            data=data[["customer_id", "frequency", "recency", "T"]], future_t=horizon_months * 30
        )
        alive = bg_nbd.expected_probability_alive(data=data[["customer_id", "frequency", "recency", "T"]])

    return pd.DataFrame(
        {
            "contact_id": inputs["contact_id"].astype(str).to_list(),
            "clv_predicted": _point(clv),
            "expected_purchases": _point(purchases),
            "probability_alive": _point(alive),
            "clv_model_status": f"bg_nbd + gamma_gamma (map), {horizon_months} months",
        },
        columns=COLUMNS,
    )


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = dbt.ref("int_lifecycle__clv_inputs").df()
    return predict(inputs)
