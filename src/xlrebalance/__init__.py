"""Systematic, tax-aware portfolio rebalancing for Excel users."""
__version__ = "0.1.0"
