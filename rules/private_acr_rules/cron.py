"""Five-field cron expressions in UTC, as ACR Tasks timer triggers read them.

Source: Learn, "Run an ACR task on a defined schedule" (container-registry-tasks-scheduled.md,
"Cron expressions"): five fields ``{minute} {hour} {day} {month} {day-of-week}`` in UTC, read
by NCrontab: a value, ``*``, a range ``a-b``, a list ``a,b`` and an interval ``*/n`` or
``a-b/n``; months and days may be named (``Jan``, ``Mon``); no seconds or year field.

A task's timer is checked here, and an agent pool's idle-scaling schedule is written the same
way so one stack uses one notation for both (:mod:`private_acr_rules.idle_scaling` turns it into
the recurrence that runs it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for low, low + 1, ... (months from 1, days from 0)."""


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MINUTE = CronField("minute", 0, 59)
HOUR = CronField("hour", 0, 23)
DAY = CronField("day", 1, 31)
MONTH = CronField("month", 1, 12, _MONTHS)
DAY_OF_WEEK = CronField("day-of-week", 0, 6, _DAYS)
"""0 is Sunday."""
CRON_FIELDS = (MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK)
_CRON_ITEM = re.compile(r"^(?P<range>\*|(?P<first>\w+)(-(?P<last>\w+))?)(/(?P<step>\d+))?$")


def _cron_value(text: str, field: CronField) -> int | None:
    if text.isdigit():
        value = int(text)
        return value if field.low <= value <= field.high else None
    lowered = text.lower()
    return field.low + field.names.index(lowered) if lowered in field.names else None


def _item_values(item: str, field: CronField) -> range | None:
    """The values one list item stands for; ``None`` when NCrontab would refuse it."""
    match = _CRON_ITEM.match(item)
    if match is None:
        return None
    step = 1 if match["step"] is None else int(match["step"])
    if step < 1:
        return None
    if match["range"] == "*":
        return range(field.low, field.high + 1, step)
    first = _cron_value(match["first"], field)
    last = first if match["last"] is None else _cron_value(match["last"], field)
    if first is None or last is None or first > last:
        return None
    # "5/15" (a value with an interval) runs from the value to the end of the field's range.
    end = field.high if match["last"] is None and match["step"] is not None else last
    return range(first, end + 1, step)


def field_values(text: str, field: CronField) -> frozenset[int] | None:
    """Every value one field of a valid expression matches (``*/15`` -> 0, 15, 30, 45)."""
    found: set[int] = set()
    for item in text.split(","):
        values = _item_values(item, field)
        if values is None:
            return None
        found.update(values)
    return frozenset(found)


def cron_problem(expression: object) -> str | None:
    """Why ACR Tasks would refuse this timer schedule; ``None`` when it is a valid one."""
    if not isinstance(expression, str):
        return f'got {expression!r}; expected a cron expression such as "0 3 * * *" (UTC)'
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        return (
            f"got {expression!r}; expected five fields, minute hour day month day-of-week "
            '(UTC; ACR Tasks takes no seconds or year field), e.g. "0 3 * * *"'
        )
    for text, field in zip(fields, CRON_FIELDS, strict=True):
        if field_values(text, field) is None:
            names = f" or {field.names[0].title()}-{field.names[-1].title()}" if field.names else ""
            return (
                f"got {expression!r}; its {field.name} field {text!r} is not a value "
                f"{field.low}-{field.high}{names}, *, a range, a list or an interval"
            )
    return None
