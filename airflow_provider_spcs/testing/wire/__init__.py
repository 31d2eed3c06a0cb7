"""The emulator's HTTP side: Starlette apps speaking Snowflake's protocols, and who may call them.

==============================  ==============================================================
:mod:`.account_app`             the account host: every route below, behind fault injection
:mod:`.ingress_proxy`           one app per public endpoint port: SPCS ingress
:mod:`.sql_api_v2`              SQL API v2: submit, poll, partitions, cancel
:mod:`.connector_rest`          the Python connector's REST protocol: login, queries, tokens
:mod:`.connector_statements`    ``USE`` and transaction statements (connector sessions only)
:mod:`.statement_runs`          running SQL text (one or many statements) for both wires
:mod:`.statement_store`         statement handles, their records and progress
:mod:`.cells`                   result cells as each wire encodes them
:mod:`.token_exchange`          ``POST /oauth/token``: JWT / PAT / OAuth -> ingress token
:mod:`.customer_oauth`          a customer OAuth server (client credentials, refresh token)
:mod:`.callers`                 credential -> authenticated caller (SQL API, ingress)
:mod:`.keypair_jwt`             strict key-pair JWT verification
:mod:`.token_issuer`            the tokens the emulator mints and checks
:mod:`.key_pairs`               RSA key pairs and Snowflake fingerprints
:mod:`.user_directory`          credential lookups over the world's users
:mod:`.app_state`               what every app shares: world, settings, sessions, faults...
==============================  ==============================================================
"""
