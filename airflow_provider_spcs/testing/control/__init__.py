"""How tests, benchmarks, scripts and a user's own Airflow steer and observe the emulator.

:mod:`.faults` (armed faults and the middleware that applies them), :mod:`.stats` (counters),
:mod:`.admin_routes` (the ``/_emulator/*`` table) with :mod:`.service_routes` (add, script, read
and drop services), :mod:`.service_requests` (what those routes and ``--service`` accept),
:mod:`.emulator_control` (what the routes need from the emulator object),
:mod:`.token_rotation` (a session token file kept fresh) and :mod:`.private_files` (files handed
to other processes, written atomically, owner-only).
"""
