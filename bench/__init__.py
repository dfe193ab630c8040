"""Deskwerk benchmarks: availability, booking creation over HTTP, availability query count.

Run with ``.venv/bin/python -m bench`` from the checkout; see bench/README.md. Not part of
the test suite: these need minutes, a large generated data set and a running server.
"""
