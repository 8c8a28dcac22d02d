"""Townhall: a digital platform for UK local councils."""

__version__ = "0.1.0"
