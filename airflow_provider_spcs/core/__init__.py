"""Pure Snowflake/SPCS client code. Nothing in this package imports Airflow.

Map: :mod:`.config` reads a connection into :class:`~.config.SpcsConfig`; :mod:`.accounts`,
:mod:`.keys` and :mod:`.identifiers` are small pure helpers; :mod:`.credentials` holds one class per
auth method and :mod:`.cache` the process-wide, single-flight token cache; :mod:`.auth` is the
httpx auth flow; :mod:`.sql_api`, :mod:`.ingress` and :mod:`.retry` are request logic written as
:mod:`.effects` steps that :mod:`.runner` drives sync or async; :mod:`.connector` wraps
snowflake-connector-python; :mod:`.secrets` announces secrets to whoever masks them (Airflow).
"""
