"""newsletter: turn each day's research papers into an email digest."""

__version__ = "0.1.0"
