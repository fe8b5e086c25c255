"""Cron expressions as ACR Tasks reads them: which it accepts, and what each field matches."""

import pytest

from private_acr_rules import cron
from private_acr_rules.cron import cron_problem


@pytest.mark.parametrize(
    "expression",
    [
        "0 3 * * *",
        "0 12 * * Mon-Fri",
        "*/10 * * * *",
        "20,30,40 * * * *",
        "0 9-17 * * *",
        "30 9 * Jan Mon",
        "0 0 1-31/2 * 0",
    ],
)
def test_learns_cron_expressions_are_accepted(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 3 * *", "expected five fields"),
        (
            "0 0 3 * * *",
            "expected five fields, minute hour day month day-of-week (UTC; ACR Tasks takes no seconds",
        ),
        ("60 * * * *", "its minute field '60' is not a value 0-59"),
        ("0 24 * * *", "its hour field '24'"),
        ("0 0 0 * *", "its day field '0' is not a value 1-31"),
        ("0 0 * 13 *", "its month field '13' is not a value 1-12 or Jan-Dec"),
        ("0 0 * * Funday", "its day-of-week field 'Funday' is not a value 0-6 or Sun-Sat"),
        ("0 0 * * 5-1", "its day-of-week field '5-1'"),
        ("*/0 * * * *", "its minute field '*/0'"),
        (3, "got 3; expected a cron expression"),
    ],
)
def test_a_schedule_acr_would_refuse_is_named(expression: object, problem: str) -> None:
    found = cron_problem(expression)
    assert found is not None and problem in found, found


@pytest.mark.parametrize(
    ("text", "field", "values"),
    [
        ("*", cron.DAY_OF_WEEK, set(range(7))),
        ("*/15", cron.MINUTE, {0, 15, 30, 45}),
        ("1-5", cron.DAY_OF_WEEK, {1, 2, 3, 4, 5}),
        ("Mon-Fri", cron.DAY_OF_WEEK, {1, 2, 3, 4, 5}),
        ("sat,SUN", cron.DAY_OF_WEEK, {0, 6}),
        ("9-17/4", cron.HOUR, {9, 13, 17}),
        ("50/5", cron.MINUTE, {50, 55}),
        ("7,7", cron.HOUR, {7}),
    ],
)
def test_a_field_matches_the_values_ncrontab_would(
    text: str, field: cron.CronField, values: set[int]
) -> None:
    assert cron.field_values(text, field) == values


def test_a_field_ncrontab_would_refuse_matches_nothing() -> None:
    assert cron.field_values("Fri-Mon", cron.DAY_OF_WEEK) is None
