"""An agent pool that costs nothing when idle: a schedule that sets its count, run by Logic Apps.

A pool bills for every instance while it exists, busy or not (Learn, tasks-agent-pools.md:
"Pricing tiers"; count 0 stops billing). A schedule scales it to an idle count outside working
hours and back. Two Consumption Logic Apps run it, one per direction, each a Recurrence trigger
and one HTTP action that PATCHes the pool's ``count`` through Azure Resource Manager with a
user-assigned managed identity. Sources:

- The recurrence: Learn, "Schema reference guide for trigger and action types in Azure Logic
  Apps" (logic-apps/logic-apps-workflow-actions-triggers.md, "Recurrence trigger"):
  ``frequency`` ``Day`` or ``Week``, ``interval``, ``startTime``, ``timeZone`` (it "applies
  only when you specify a start time", written then without a UTC offset) and ``schedule`` with
  ``hours``, ``minutes`` and (weekly) ``weekDays`` named ``Monday``...``Sunday``. A
  recurrence repeats by weekday and time of day; it cannot say "on the 1st" and "in March"
  together with an hour, so a pool schedule's day and month fields must be ``*``.
- The first run: Learn, logic-apps/concepts-schedule-automated-recurring-tasks-workflows.md
  ("Recurrence behavior", "Patterns for start date and time"): without a start time "the first
  recurrence runs immediately when you save or deploy" the workflow, so every deployment would
  fire both directions at once; with a start time in the past and a schedule, the first run is
  the next scheduled time. Hence the fixed ``startTime`` in the past.
- The action: same page, "HTTP action" (``method``, ``uri``, ``body``, ``authentication``) and
  ``operationOptions: DisableAsyncPattern``, which ends the action at ARM's first answer instead
  of polling the operation's status, a read the identity is not given; Learn,
  logic-apps/authenticate-with-managed-identity.md: ``authentication`` of ``type``
  ``ManagedServiceIdentity`` with ``identity`` (the user-assigned identity's resource id) and
  ``audience`` (the Resource Manager endpoint of the cloud).
- The request: ACR REST API "Agent Pools - Update" (``PATCH .../registries/{registry}/
  agentPools/{pool}?api-version=2019-06-01-preview``, body ``{"properties": {"count": n}}``), the
  API version azure-native v3's ``containerregistry.AgentPool`` uses. ARM authorizes it as
  ``Microsoft.ContainerRegistry/registries/agentpools/write`` (``roles.POOL_SCALER_ACTIONS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from private_acr_rules import cron

AGENT_POOL_API_VERSION = "2019-06-01-preview"
WEEK_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
"""Logic Apps' weekday names, indexed as cron numbers them (0 is Sunday)."""
START_TIME = "2025-01-01T00:00:00"
"""A start time in the past (UTC, by ``timeZone``): runs begin at the next scheduled moment,
never at deployment."""
WORKFLOW_SCHEMA = (
    "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/"
    "workflowdefinition.json#"
)


@dataclass(frozen=True)
class Recurrence:
    """When a cron expression fires, as a Logic Apps recurrence (UTC)."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    week_days: tuple[int, ...]
    """Cron day numbers (0 is Sunday); all seven when the expression says ``*``."""

    def times(self) -> frozenset[tuple[int, int, int]]:
        """Every (weekday, hour, minute) of a week it fires at."""
        return frozenset(
            (day, hour, minute)
            for day in self.week_days
            for hour in self.hours
            for minute in self.minutes
        )

    def trigger(self) -> dict[str, Any]:
        """The workflow's Recurrence trigger."""
        schedule: dict[str, Any] = {"hours": list(self.hours), "minutes": list(self.minutes)}
        every_day = len(self.week_days) == len(WEEK_DAYS)
        if not every_day:
            schedule["weekDays"] = [WEEK_DAYS[day] for day in self.week_days]
        return {
            "type": "Recurrence",
            "recurrence": {
                "frequency": "Day" if every_day else "Week",
                "interval": 1,
                "startTime": START_TIME,
                "timeZone": "UTC",
                "schedule": schedule,
            },
        }


def recurrence(expression: object) -> tuple[Recurrence | None, str | None]:
    """The recurrence a pool schedule's cron expression stands for, or why it has none."""
    problem = cron.cron_problem(expression)
    if problem is not None or not isinstance(expression, str):
        return None, problem
    minute, hour, day, month, week_day = expression.split()
    if day != "*" or month != "*":
        return None, (
            f"got {expression!r}; a pool schedule repeats by weekday and time of day, so its "
            'day and month fields must be * (e.g. "0 20 * * 1-5": 20:00 UTC, Monday to Friday)'
        )

    def values(text: str, field: cron.CronField) -> tuple[int, ...]:
        return tuple(sorted(cron.field_values(text, field) or ()))

    return (
        Recurrence(
            expression,
            values(minute, cron.MINUTE),
            values(hour, cron.HOUR),
            values(week_day, cron.DAY_OF_WEEK),
        ),
        None,
    )


def first_clash(down: Recurrence, up: Recurrence) -> str | None:
    """A moment both directions fire at (which would win is undefined), as ``Mon 06:00``."""
    both = down.times() & up.times()
    if not both:
        return None
    day, hour, minute = min(both)
    return f"{WEEK_DAYS[day][:3]} {hour:02d}:{minute:02d}"


def pool_uri(resource_manager: str, pool_id: str) -> str:
    """The ARM request URI of an agent pool (``resource_manager`` ends with ``/``)."""
    return f"{resource_manager.rstrip('/')}{pool_id}?api-version={AGENT_POOL_API_VERSION}"


def scaling_workflow(
    when: Recurrence, count: int, pool_id: str, identity_id: str, resource_manager: str
) -> Mapping[str, Any]:
    """The Logic Apps workflow definition that sets the pool's count to ``count`` ``when``."""
    return {
        "$schema": WORKFLOW_SCHEMA,
        "contentVersion": "1.0.0.0",
        "triggers": {"schedule": when.trigger()},
        "actions": {
            "set_pool_count": {
                "type": "Http",
                "inputs": {
                    "method": "PATCH",
                    "uri": pool_uri(resource_manager, pool_id),
                    "body": {"properties": {"count": count}},
                    "authentication": {
                        "type": "ManagedServiceIdentity",
                        "identity": identity_id,
                        "audience": resource_manager,
                    },
                },
                "operationOptions": "DisableAsyncPattern",
                "runAfter": {},
            }
        },
        "outputs": {},
    }
