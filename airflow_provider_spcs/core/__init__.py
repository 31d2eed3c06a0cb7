"""Pure Snowflake/SPCS client code. Nothing in this package imports Airflow.

Map, by job:

* **Settings.** :mod:`.fields` declares the connection extras once; :mod:`.config` reads a
  connection into :class:`~.config.SpcsConfig`; :mod:`.accounts`, :mod:`.identifiers`,
  :mod:`.booleans` and :mod:`.keys` are small pure helpers (URLs, names and literals, truth words,
  private keys).
* **The one seam.** Logic is written once as :mod:`.effects` steps; :mod:`.runner` is the one pair
  of drivers (``Runner.run`` / ``Runner.arun``).
* **Credentials on the wire.** :mod:`.credentials` has one class per auth method; :mod:`.auth` is
  the one gate every credential passes (``authorized_send``, ``credential_headers``) and the
  ``httpx.Auth`` adapter; :mod:`.retry` wraps it with the backoff policy; :mod:`.ingress` and
  :mod:`.sql_api` are endpoint calls and SQL API statements built on it; :mod:`.connector` wraps
  snowflake-connector-python for the methods that need a session.
* **SQL.** :mod:`.statements` builds every statement the provider sends; :mod:`.jobs` describes a
  job service; :mod:`.services` reads services and decides (``observe_service``), :mod:`.endpoints`
  reads SHOW ENDPOINTS, :mod:`.listing` shares one SHOW SERVICES per schema, :mod:`.polling`
  repeats a look until it is final, and :mod:`.service_watch` looks for status changes (the asset
  watcher's look); :mod:`.service_uris` is the ``snowflake-spcs://`` asset URI form.
* **Snowflake secrets.** :mod:`.secret_values` holds what a secret stores, per type (announced to
  the masker when made); :mod:`.secret_sources` reads it from a connection's fields;
  :mod:`.secret_sql` is the statement type whose real text only the sending calls read;
  :mod:`.secret_writes` creates, alters, describes and drops secrets (a service reads env-var
  secrets again after a rolling restart on its own spec: ``ServiceDeployments.restart`` in
  :mod:`.deployments`).
* **Process state.** :mod:`.process` owns every cache (see its docstring: what, how long, how a
  rotated key or token file takes effect): :mod:`.cache` (tokens), :mod:`.keys`, :mod:`.connections`
  (settings and runners), :mod:`.clients` (pooled httpx clients), :mod:`.coalesce` (shared reads)
  and :mod:`.secrets` (who hears about secrets), all built on :mod:`.singleflight`.
* **Errors.** :mod:`.errors` is the one error tree; :mod:`.tokens` the token type and its renewal rule.
"""
