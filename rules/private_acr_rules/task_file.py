"""ACR Tasks multi-step task files and timer schedules: what ACR would refuse, found before deploy.

Sources:

- The file format: Learn, "ACR Tasks reference: YAML" (container-registry/
  container-registry-tasks-reference-yaml.md): task properties (``version``, ``stepTimeout``,
  ``workingDirectory``, ``env``, ``secrets``, ``networks``, ``volumes``) and ``steps``, a list of
  ``build``, ``push`` or ``cmd`` steps; a push takes a list of images.
- What the runner refuses (Azure/acr-builder, the program that runs every task):
  ``graph/step.go`` ``Step.Validate`` ("step must only contain a single build, cmd, or push
  property", "step is missing a cmd, build, or push property", "step ID cannot contain
  spaces", retries and repeat ``>= 0``, ``when: ["-"]`` alone, no self-reference);
  ``graph/dag.go`` (a step id is defined once, ``acb_root`` is reserved, ``when`` names steps
  defined before it); ``graph/task.go`` (``version`` is ``1.0-preview-1``, ``v1.0.0`` or
  ``v1.1.0``, case-insensitive; secret ids are unique). Keys the runner does not know are
  ignored there (yaml.v2 into a struct), so they are accepted here too.
- Templates: the runner renders the file as a Go template (``{{.Values.tag}}``,
  ``{{.Run.ID}}``) before it parses the YAML (acr-builder ``templating.LoadAndRenderSteps``,
  ``cmd/acb/commands/exec``). So a line holding only template actions (``{{if ...}}``) is
  dropped and any other action becomes a placeholder before the YAML is read here.
- Timer triggers: Learn, "Run an ACR task on a defined schedule" (container-registry-tasks-
  scheduled.md, "Cron expressions"): five fields ``{minute} {hour} {day} {month}
  {day-of-week}`` in UTC, read by NCrontab: a value, ``*``, a range ``a-b``, a list ``a,b`` and
  an interval ``*/n`` or ``a-b/n``; months and days may be named (``Jan``, ``Mon``); no seconds
  or year field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import yaml

TASK_VERSIONS = ("1.0-preview-1", "v1.0.0", "v1.1.0")
STEP_TYPES = ("build", "cmd", "push")
_RESERVED_STEP_ID = "acb_root"
_RUN_IMMEDIATELY = "-"
_TEMPLATE_ONLY_LINE = re.compile(r"^[ \t]*(\{\{.*?\}\}[ \t]*)+$", re.MULTILINE)
_TEMPLATE_ACTION = re.compile(r"\{\{.*?\}\}")
_PLACEHOLDER = "template-value"


def _without_templates(text: str) -> str:
    return _TEMPLATE_ACTION.sub(_PLACEHOLDER, _TEMPLATE_ONLY_LINE.sub("", text))


def _yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is None:
        return f"not valid YAML ({problem})"
    return f"not valid YAML (line {mark.line + 1}, column {mark.column + 1}: {problem})"


def task_file_problems(text: str) -> list[str]:
    """Why ACR Tasks would refuse this task file; empty when it would run it.

    Messages start lower-case and name the part of the file (``steps[1]``); the caller puts
    the file's own label in front.
    """
    try:
        document: object = yaml.safe_load(_without_templates(text))
    except yaml.YAMLError as error:
        return [_yaml_error(error)]
    if not isinstance(document, Mapping):
        return [
            "expected a task: a YAML mapping with a steps list (see the ACR Tasks YAML reference)"
        ]
    task = cast(Mapping[str, Any], document)
    problems = _version_problems(task.get("version"))
    problems += _secret_problems(task.get("secrets"))
    steps: object = task.get("steps")
    if not isinstance(steps, list) or not steps:
        got = "nothing" if steps is None else repr(cast(object, steps))
        problems.append(f"steps: expected a list of build, cmd or push steps, got {got}")
        return problems
    return problems + _steps_problems(cast(list[object], steps))


def _version_problems(version: object) -> list[str]:
    if version is None or (isinstance(version, str) and version.lower() in TASK_VERSIONS):
        return []
    return [f"version: got {version!r}; expected one of {', '.join(TASK_VERSIONS)}"]


def _secret_problems(secrets: object) -> list[str]:
    if secrets is None:
        return []
    if not isinstance(secrets, list):
        return [f"secrets: got {secrets!r}; expected a list of secrets, each with an id"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, secret in enumerate(cast(list[object], secrets)):
        secret_id = (
            cast(Mapping[str, Any], secret).get("id") if isinstance(secret, Mapping) else None
        )
        if not isinstance(secret_id, str) or not secret_id:
            problems.append(f"secrets[{index}]: expected a secret with an id")
        elif secret_id in seen:
            problems.append(f"secrets[{index}]: the secret id {secret_id!r} is used twice")
        seen.add(str(secret_id))
    return problems


def _steps_problems(steps: Sequence[object]) -> list[str]:
    problems: list[str] = []
    defined: list[str] = []
    for index, raw in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: got {raw!r}; expected a step with build, cmd or push")
            continue
        step = cast(Mapping[str, Any], raw)
        problems += _step_type_problems(where, step)
        step_id = step.get("id", f"acb_step_{index}")
        if not isinstance(step_id, str) or not step_id or re.search(r"\s", step_id):
            problems.append(f"{where}.id: got {step_id!r}; expected a step id without spaces")
        elif step_id == _RESERVED_STEP_ID or step_id in defined:
            reason = "is reserved" if step_id == _RESERVED_STEP_ID else "is used by an earlier step"
            problems.append(f"{where}.id: {step_id!r} {reason}")
        problems += _when_problems(where, step.get("when"), str(step_id), defined)
        problems += _count_problems(where, step)
        defined.append(str(step_id))
    return problems


def _step_type_problems(where: str, step: Mapping[str, Any]) -> list[str]:
    kinds = [kind for kind in STEP_TYPES if step.get(kind) is not None]
    if len(kinds) != 1:
        found = " and ".join(kinds) if kinds else "none of them"
        return [f"{where}: a step takes exactly one of build, cmd or push; it has {found}"]
    kind = kinds[0]
    value = step[kind]
    if kind == "push":
        images = cast(list[object], value) if isinstance(value, list) else None
        if not images or not all(isinstance(image, str) and image for image in images):
            return [
                f"{where}.push: got {value!r}; expected a list of images, e.g. [$Registry/app:$ID]"
            ]
    elif not isinstance(value, str) or not value.strip():
        return [f"{where}.{kind}: got {value!r}; expected the {kind} command line as a string"]
    return []


def _when_problems(where: str, when: object, step_id: str, defined: Sequence[str]) -> list[str]:
    if when is None:
        return []
    names = cast(list[object], when) if isinstance(when, list) else None
    if not names or not all(isinstance(name, str) for name in names):
        return [f'{where}.when: got {when!r}; expected a list of step ids, or ["-"]']
    if _RUN_IMMEDIATELY in names and len(names) > 1:
        return [f'{where}.when: "-" (run at once) cannot be combined with step ids']
    problems: list[str] = []
    for name in names:
        if name == step_id:
            problems.append(f"{where}.when: the step waits for itself")
        elif name != _RUN_IMMEDIATELY and name not in defined:
            problems.append(f"{where}.when: {name!r} is not the id of an earlier step")
    return problems


def _count_problems(where: str, step: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in ("retries", "repeat"):
        value = step.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            problems.append(f"{where}.{key}: got {value!r}; expected a whole number >= 0")
    return problems


# Timer triggers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for low, low + 1, ... (months from 1, days from 0)."""


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_FIELDS = (
    _CronField("minute", 0, 59),
    _CronField("hour", 0, 23),
    _CronField("day", 1, 31),
    _CronField("month", 1, 12, _MONTHS),
    _CronField("day-of-week", 0, 6, _DAYS),
)
_CRON_ITEM = re.compile(r"^(?P<range>\*|(?P<first>\w+)(-(?P<last>\w+))?)(/(?P<step>\d+))?$")


def _cron_value(text: str, field: _CronField) -> int | None:
    if text.isdigit():
        value = int(text)
        return value if field.low <= value <= field.high else None
    lowered = text.lower()
    return field.low + field.names.index(lowered) if lowered in field.names else None


def _cron_item_ok(item: str, field: _CronField) -> bool:
    match = _CRON_ITEM.match(item)
    if match is None:
        return False
    if match["step"] is not None and int(match["step"]) < 1:
        return False
    if match["range"] == "*":
        return True
    first = _cron_value(match["first"], field)
    last = first if match["last"] is None else _cron_value(match["last"], field)
    return first is not None and last is not None and first <= last


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
        if not all(_cron_item_ok(item, field) for item in text.split(",")):
            names = f" or {field.names[0].title()}-{field.names[-1].title()}" if field.names else ""
            return (
                f"got {expression!r}; its {field.name} field {text!r} is not a value "
                f"{field.low}-{field.high}{names}, *, a range, a list or an interval"
            )
    return None
