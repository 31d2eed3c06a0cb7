"""How tests and benchmarks steer and observe the emulator: faults, counters, admin routes.

:mod:`.faults` (armed faults and the middleware that applies them), :mod:`.stats` (counters) and
:mod:`.admin_routes` (``/_emulator/*`` for other processes).
"""
