"""The one place that knows where Airflow 3.1 and Airflow 3.2+ keep the same names.

Airflow 3.2 moved the task-facing exceptions into ``airflow.sdk.exceptions``; 3.1 has them only in
``airflow.exceptions`` (which warns about the move from 3.2 on). Import them from here.
"""

from __future__ import annotations

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import AirflowSensorTimeout, TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowSensorTimeout, TaskDeferred  # type: ignore[no-redef]

__all__ = ["AirflowSensorTimeout", "TaskDeferred"]
