"""A pool schedule as Logic Apps runs it: the recurrence a cron expression stands for, clashes
between the two directions, and the workflow that sets the count."""

from typing import Any

import pytest
from learn_facts import CRON_WEEK_DAYS

from private_acr_rules import idle_scaling
from private_acr_rules.idle_scaling import Recurrence

POOL = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/agentPools/p"
IDENTITY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i"


def recurrence_of(expression: str) -> Recurrence:
    found, problem = idle_scaling.recurrence(expression)
    assert found is not None, problem
    return found


def test_weekday_evenings_are_a_weekly_recurrence_on_those_days() -> None:
    assert recurrence_of("0 20 * * 1-5").trigger() == {
        "type": "Recurrence",
        "recurrence": {
            "frequency": "Week",
            "interval": 1,
            # In the past: without a start time Logic Apps runs a recurrence at deployment.
            "startTime": "2025-01-01T00:00:00",
            "timeZone": "UTC",
            "schedule": {
                "hours": [20],
                "minutes": [0],
                "weekDays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            },
        },
    }


@pytest.mark.parametrize(("number", "name"), CRON_WEEK_DAYS.items())
def test_each_cron_day_is_the_logic_apps_week_day_of_that_name(number: int, name: str) -> None:
    schedule = recurrence_of(f"0 6 * * {number}").trigger()["recurrence"]["schedule"]
    assert schedule["weekDays"] == [name]


def test_learns_weekday_example_runs_monday_to_friday_at_0930() -> None:
    recurrence = recurrence_of("30 9 * * 1-5").trigger()["recurrence"]
    assert (recurrence["frequency"], recurrence["schedule"]) == (
        "Week",
        {"hours": [9], "minutes": [30], "weekDays": [CRON_WEEK_DAYS[d] for d in range(1, 6)]},
    )


def test_every_day_is_a_daily_recurrence_without_week_days() -> None:
    trigger: dict[str, Any] = recurrence_of("30 7,19 * * *").trigger()
    assert trigger["recurrence"]["frequency"] == "Day"
    assert trigger["recurrence"]["schedule"] == {"hours": [7, 19], "minutes": [30]}


def test_intervals_lists_and_day_names_expand_to_their_values() -> None:
    found = recurrence_of("*/20 8-10/2 * * sun,sat")
    assert (found.minutes, found.hours, found.week_days) == ((0, 20, 40), (8, 10), (0, 6))


@pytest.mark.parametrize("expression", ["0 20 1 * *", "0 20 * 3 *", "0 20 1-15 * 1-5"])
def test_a_day_or_month_field_is_refused_since_a_recurrence_cannot_say_it(expression: str) -> None:
    found, problem = idle_scaling.recurrence(expression)
    assert found is None and problem is not None
    assert "day and month fields must be *" in problem


def test_an_expression_acr_would_refuse_is_refused_with_its_reason() -> None:
    found, problem = idle_scaling.recurrence("0 25 * * *")
    assert found is None and problem is not None and "its hour field '25'" in problem


def test_directions_that_fire_at_the_same_moment_clash_at_the_first_one() -> None:
    down, up = recurrence_of("0 6,20 * * 1-5"), recurrence_of("0 6 * * 5-6")
    assert idle_scaling.first_clash(down, up) == "Fri 06:00"


def test_directions_at_different_times_do_not_clash() -> None:
    down, up = recurrence_of("0 20 * * 1-5"), recurrence_of("0 6 * * 1-5")
    assert idle_scaling.first_clash(down, up) is None


def test_the_workflow_patches_the_pool_count_with_the_identity_for_resource_manager() -> None:
    definition = idle_scaling.scaling_workflow(
        recurrence_of("0 6 * * 1-5"), 3, POOL, IDENTITY, "https://management.usgovcloudapi.net/"
    )
    action = definition["actions"]["set_pool_count"]
    assert action["inputs"] == {
        "method": "PATCH",
        "uri": f"https://management.usgovcloudapi.net{POOL}?api-version=2019-06-01-preview",
        "body": {"properties": {"count": 3}},
        "authentication": {
            "type": "ManagedServiceIdentity",
            "identity": IDENTITY,
            "audience": "https://management.usgovcloudapi.net/",
        },
    }
    # Polling the operation's status would need a read the identity is not given.
    assert action["operationOptions"] == "DisableAsyncPattern"
    assert definition["triggers"]["schedule"]["type"] == "Recurrence"
