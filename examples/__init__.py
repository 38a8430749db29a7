"""Runnable examples: one module per documented example, plus the showcase."""
