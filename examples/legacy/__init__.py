"""The seed READMEs' examples exactly as written (their lost indentation restored), with their
original imports: they run through ``microrest.compat`` (``python -m microrest.compat
examples/legacy/corepost_single.py``). Only a docstring and lint pragmas were added on top.
"""
