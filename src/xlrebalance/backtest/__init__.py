"""Backtest the rebalancing policy on the household's own allocation (``xlrebalance backtest``)."""
from .policies import POLICIES, Policy, policies_named
from .returns import ReturnSeries, parse_returns, synthetic_returns
from .run import backtest_household
from .simulate import PolicyResult, simulate
from .summary import METRIC_COLUMNS, Backtest, comparison, document

__all__ = ["METRIC_COLUMNS", "POLICIES", "Backtest", "Policy", "PolicyResult", "ReturnSeries", "backtest_household",
           "comparison", "document", "parse_returns", "policies_named", "simulate", "synthetic_returns"]
