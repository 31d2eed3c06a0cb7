"""Benchmarks for airflow-provider-spcs (issue 5): ``python -m benchmarks`` (``make bench``).

Each figure lives in its own module. The runner (:mod:`benchmarks.__main__`) starts one emulator,
runs every figure's client side in fresh subprocesses (so the emulator's server threads and the
measured client never share a GIL), prints one table and writes ``benchmarks/results/latest.json``.

This package imports nothing heavy at top level: the parse-cost child imports ``benchmarks`` before
it measures anything.
"""
