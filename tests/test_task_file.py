"""Task files and timer schedules, checked as ACR Tasks checks them (private_acr_rules.task_file)."""

import pytest

from private_acr_rules.task_file import cron_problem, task_file_problems

# Task files from Learn, verbatim: the ACR Tasks YAML reference, "External authentication in an
# ACR task using an Azure-managed identity" and "Cross-registry authentication in an ACR task".
LEARN_TASK_FILES = [
    """\
version: v1.1.0
steps:
  - build: -t $Registry/hello-world -f hello-world.dockerfile ./subDirectory
""",
    """\
version: v1.1.0
# Replace mykeyvault with the name of your key vault
secrets:
  - id: username
    keyvault: https://mykeyvault.vault.azure.net/secrets/UserName
  - id: password
    keyvault: https://mykeyvault.vault.azure.net/secrets/Password
steps:
# Log in to Docker Hub
  - cmd: bash echo '{{.Secrets.password}}' | docker login --username '{{.Secrets.username}}' --password-stdin
# Build image
  - build: -t {{.Values.PrivateRepo}}:$ID https://github.com/Azure-Samples/acr-tasks.git -f hello-world.dockerfile
# Push image to private repo in Docker Hub
  - push:
    - {{.Values.PrivateRepo}}:$ID
""",
    """\
version: v1.1.0
steps:
# Replace mybaseregistry with the name of your registry containing the base image
  - build: -t $Registry/hello-world:$ID  https://github.com/Azure-Samples/acr-build-helloworld-node.git#main -f Dockerfile-app --build-arg REGISTRY_NAME=mybaseregistry.azurecr.io
  - push: ["$Registry/hello-world:$ID"]
""",
    """\
version: v1.1.0
alias:
  values:
    repo: myrepo
steps:
  - build: -t $Registry/$repo/hello-world:$ID -f Dockerfile .
""",
    """\
version: v1.1.0
steps:
  - cmd: acr tag list --registry $RegistryName --repository samples/hello-world
  - cmd: acr purge --registry $RegistryName --filter samples/hello-world:.* --ago 7d
""",
]


@pytest.mark.parametrize("text", LEARN_TASK_FILES, ids=range(len(LEARN_TASK_FILES)))
def test_learns_task_files_are_accepted(text: str) -> None:
    assert task_file_problems(text) == []


def test_a_template_block_on_its_own_lines_is_accepted() -> None:
    text = """\
steps:
{{if .Values.test}}
  - id: test
    cmd: $Registry/app:$ID make test
{{end}}
  - push: [$Registry/app:$ID]
"""
    assert task_file_problems(text) == []


def test_parallel_and_dependent_steps_are_accepted() -> None:
    text = """\
steps:
  - id: a
    build: -t $Registry/a .
    when: ["-"]
  - id: b
    build: -t $Registry/b .
    when: ["-"]
  - push: [$Registry/a, $Registry/b]
    when: [a, b]
"""
    assert task_file_problems(text) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("steps: [unclosed", "not valid YAML (line 1, column 17"),
        ("steps:\n\t- build: .\n", "not valid YAML (line 2, column 1"),
        ("- build: .\n", "expected a task: a YAML mapping with a steps list"),
        ("version: v1.1.0\n", "steps: expected a list of build, cmd or push steps, got nothing"),
        ("steps: []\n", "steps: expected a list of build, cmd or push steps, got []"),
        ("steps: build .\n", "got 'build .'"),
        ("steps:\n  - echo\n", "steps[0]: got 'echo'; expected a step with build, cmd or push"),
        (
            "steps:\n  - id: x\n",
            "steps[0]: a step takes exactly one of build, cmd or push; it has none",
        ),
        (
            "steps:\n  - build: .\n    cmd: bash\n",
            "steps[0]: a step takes exactly one of build, cmd or push; it has build and cmd",
        ),
        (
            "steps:\n  - push: $Registry/app\n",
            "steps[0].push: got '$Registry/app'; expected a list",
        ),
        ("steps:\n  - build: 3\n", "steps[0].build: got 3; expected the build command line"),
        ("steps:\n  - id: my step\n    build: .\n", "steps[0].id: got 'my step'"),
        (
            "steps:\n  - id: a\n    build: .\n  - id: a\n    cmd: bash\n",
            "steps[1].id: 'a' is used by an earlier step",
        ),
        ("steps:\n  - id: acb_root\n    build: .\n", "steps[0].id: 'acb_root' is reserved"),
        (
            "steps:\n  - build: .\n    when: [later]\n  - id: later\n    cmd: bash\n",
            "steps[0].when: 'later' is not the id of an earlier step",
        ),
        (
            "steps:\n  - id: a\n    build: .\n    when: [a]\n",
            "steps[0].when: the step waits for itself",
        ),
        (
            "steps:\n  - id: a\n    build: .\n  - cmd: bash\n    when: ['-', a]\n",
            'steps[1].when: "-" (run at once) cannot be combined with step ids',
        ),
        ("steps:\n  - build: .\n    retries: -1\n", "steps[0].retries: got -1"),
        ("version: v2\nsteps:\n  - build: .\n", "version: got 'v2'; expected one of"),
        (
            "secrets:\n  - keyvault: https://kv.vault.azure.net/secrets/a\nsteps:\n  - build: .\n",
            "secrets[0]: expected a secret with an id",
        ),
        (
            "secrets:\n  - id: a\n  - id: a\nsteps:\n  - build: .\n",
            "secrets[1]: the secret id 'a' is used twice",
        ),
    ],
)
def test_what_acr_tasks_would_refuse_is_named(text: str, problem: str) -> None:
    assert any(problem in p for p in task_file_problems(text)), task_file_problems(text)


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
