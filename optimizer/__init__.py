"""Sourcing-diversification optimizer: the cheapest supplier mix under country and risk caps."""

__version__ = "0.1.0"
