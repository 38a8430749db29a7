"""Adapters: each reproduces one classic framework's API on the microrest core."""
