"""Benchmarks of the read path beside the official SDK, run by ``make bench`` (``python -m benchmarks``).

Every benchmark runs both sides in one run against the emulator in its own process, at 20 ms a request
with a page cap of 100, and prints the ratio. The latest tables go to ``benchmarks/results/results.md``
and the plot of read times to ``benchmarks/results/read_time.png``.
"""
