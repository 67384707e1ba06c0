"""Benchmarks of the read path beside the official SDK, run by ``make bench`` (``python -m benchmarks``).

Every benchmark runs both sides in one run against the emulator in its own process, at 20 ms a request
with a page cap of 100 (the small whole-process read without added latency), and prints the ratio.
A run writes to a scratch directory; ``make bench SAVE=1`` writes the committed tables
(``benchmarks/results/results.md``) and the plot of read times (``benchmarks/results/read_time.png``).
"""
