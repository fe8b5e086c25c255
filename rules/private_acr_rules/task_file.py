"""ACR Tasks multi-step task files: what ACR would refuse, found before deploy (timer schedules
are :mod:`private_acr_rules.cron`).

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
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
