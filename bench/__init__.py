"""Benchmarks and calibration tools (``python -m bench.run``); never imported by the bot."""
