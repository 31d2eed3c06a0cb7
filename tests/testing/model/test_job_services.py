"""A job service's lifecycle and its specs, driven through the Python API."""

from __future__ import annotations

import pytest
from emu_helpers import polls

from airflow_provider_spcs.testing.model import JobService, World
from airflow_provider_spcs.testing.model.job_services import job_spec_from_text
from airflow_provider_spcs.testing.model.names import stage_key
from airflow_provider_spcs.testing.model.spec_yaml import SpecError


class TestJobs:
    def test_job_runs_pending_running_done_and_logs(self, world: World) -> None:
        spec = world.add_job_spec("@spcs_db.app.specs", "job.yaml", run_polls=2, logs=["line 1", "line 2"])
        job = world.add_job("MY_JOB", spec)
        assert job.is_job
        assert job.get_logs("0", "main") == []
        assert polls(job, 5) == ["PENDING", "RUNNING", "RUNNING", "DONE", "DONE"]
        assert job.get_logs("0", "main") == ["line 1", "line 2"]
        [state] = job.container_states()
        assert (state.instance_status, state.status, state.last_exit_code) == ("SUCCEEDED", "DONE", 0)

    def test_failed_job_reports_exit_code(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "bad.yaml", outcome="FAILED", run_polls=1, exit_code=3, message="bad input")
        job = world.add_job("BAD", spec)
        assert polls(job, 3) == ["PENDING", "RUNNING", "FAILED"]
        [state] = job.container_states()
        assert (state.instance_status, state.status, state.last_exit_code, state.message) == (
            "FAILED",
            "FAILED",
            3,
            "bad input",
        )

    def test_failed_outcome_defaults_to_exit_code_one(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "bad.yaml", outcome="FAILED")
        assert spec.exit_code == 1

    def test_replicas_become_instances_with_their_own_logs(self, world: World) -> None:
        spec = world.add_job_spec(
            "@specs", "multi.yaml", logs={"main": ["m"], "side": ["s"]}, containers=("main", "side"), pending_polls=0
        )
        job = world.add_job("MULTI", spec, replicas=3)
        assert job.poll() == "RUNNING"
        assert job.instance_ids() == ["0", "1", "2"]
        assert [(s.instance_id, s.container_name) for s in job.container_states()] == [
            (i, c) for i in ("0", "1", "2") for c in ("main", "side")
        ]
        assert job.get_logs("2", "side") == ["s"]
        assert job.get_logs("1", "main") == ["m"]

    def test_spec_text_names_the_containers(self, world: World) -> None:
        text = "spec:\n  containers:\n  - name: trainer\n    image: /db/s/r/img:1\n"
        spec = world.add_job_spec("@specs", "train.yaml", spec_text=text)
        assert spec.containers == ["trainer"]
        assert world.add_job("T", spec).spec == text

    def test_cancel_goes_through_cancelling(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml", run_polls=10))
        assert job.poll() == "PENDING"
        assert job.cancel() is True
        assert job.cancel() is False
        assert polls(job, 3) == ["CANCELLING", "CANCELLED", "CANCELLED"]
        [state] = job.container_states()
        assert state.last_exit_code == 143

    def test_cancel_after_finishing_is_refused(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml", run_polls=0, pending_polls=0))
        assert job.poll() == "DONE"
        assert job.cancel() is False
        assert job.status == "DONE"

    def test_job_specs_are_keyed_by_normalised_stage(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "/dir/job.yaml")
        assert (spec.stage, spec.file) == ("SPCS_DB.APP.SPECS", "dir/job.yaml")
        assert world.job_spec("SPCS_DB.APP.SPECS", "dir/job.yaml") is spec
        assert stage_key("@Other.Stage") == "SPCS_DB.OTHER.STAGE"
        assert stage_key('@db.s."lower"') == "DB.S.lower"

    def test_scripting_a_job_restarts_its_pending_phase(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml", run_polls=1, pending_polls=0))
        assert polls(job, 2) == ["RUNNING", "DONE"]
        job.start_after(polls=1)
        assert polls(job, 3) == ["PENDING", "RUNNING", "DONE"]
        job.set_status("FAILED")
        [state] = job.container_states()
        assert (state.status, state.last_exit_code) == ("FAILED", 1)

    def test_only_jobs_cancel_and_only_services_suspend(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml"))
        service = world.add_service("svc")
        assert isinstance(world.service("J"), JobService)
        assert not hasattr(job, "suspend")
        assert not hasattr(service, "cancel")


INLINE = """
spec:
  containers:
  - name: worker
    image: /db/s/images/worker:1
    env:
      EMULATOR_OUTCOME: failed
      EMULATOR_RUN_POLLS: 3
      EMULATOR_MESSAGE: out of memory
  - name: sidecar
    image: /db/s/images/sidecar:1
    command: ["tail", "-f"]
"""


class TestInlineSpecs:
    def test_container_env_scripts_the_job(self) -> None:
        spec = job_spec_from_text(INLINE)
        assert (spec.outcome, spec.run_polls, spec.pending_polls, spec.exit_code) == ("FAILED", 3, 1, 1)
        assert spec.message == "out of memory"
        assert spec.containers == ["worker", "sidecar"]
        assert spec.logs == {"sidecar": ["tail -f"]}
        assert (spec.stage, spec.file, spec.spec_text) == ("", "", INLINE)

    @pytest.mark.parametrize(
        ("env", "fragment"),
        [
            ("EMULATOR_OUTCOME: MAYBE", "EMULATOR_OUTCOME must be DONE or FAILED"),
            ("EMULATOR_EXIT_CODE: seven", "EMULATOR_EXIT_CODE must be an integer"),
        ],
    )
    def test_bad_knobs_are_spec_errors(self, env: str, fragment: str) -> None:
        text = f"spec:\n  containers:\n  - name: w\n    image: i\n    env:\n      {env}\n"
        with pytest.raises(SpecError, match=fragment):
            job_spec_from_text(text)
