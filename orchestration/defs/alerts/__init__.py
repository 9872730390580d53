"""Alerts: a failed run posts to the webhook in ``NURTURE_ALERT_WEBHOOK_URL`` (see ``webhook.py``).

A failed blocking check posts its own alert from inside the check (``defs/quality``), so the alert
names the check and the asset even when no sensor daemon runs (``nurture run``, tests); the run it
stops then fails, and this sensor posts the run's failure with the failed steps.
"""

from dagster import DefaultSensorStatus, Definitions, RunFailureSensorContext, run_failure_sensor

from orchestration.defs.alerts.webhook import post, run_failure_payload

SENSOR_NAME = "alert_on_run_failure"


def failure_payload(context: RunFailureSensorContext) -> dict:
    run = context.dagster_run
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    message = context.failure_event.message or ""
    return run_failure_payload(
        run_id=run.run_id, job_name=run.job_name, message=message, failed_steps=steps, tags=run.tags
    )


@run_failure_sensor(
    name=SENSOR_NAME,
    description="Posts every failed run (job, run id, failed steps) to NURTURE_ALERT_WEBHOOK_URL.",
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def alert_on_run_failure(context: RunFailureSensorContext):
    post(failure_payload(context))


def alert_failed_run(result) -> bool:
    """For runs executed in-process (``nurture run``), where no sensor daemon watches: post the failure."""
    if result.success:
        return False
    run = result.dagster_run
    steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE" and e.step_key]
    event = result.get_run_failure_event()
    return post(
        run_failure_payload(
            run_id=run.run_id,
            job_name=run.job_name,
            message=event.message or "",
            failed_steps=steps,
            tags=run.tags,
        )
    )


def build_defs() -> Definitions:
    return Definitions(sensors=[alert_on_run_failure])
