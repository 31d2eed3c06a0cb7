"""Pure Snowflake/SPCS client code. Nothing in this package imports Airflow."""
