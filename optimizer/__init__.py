"""Sourcing-diversification optimizer: the cheapest supplier mix under country caps and risk limits."""

__version__ = "0.1.0"
