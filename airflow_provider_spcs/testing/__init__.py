"""A local SPCS emulator: a real HTTP server on 127.0.0.1 that speaks Snowflake's wire protocol."""
