"""Task files and timer schedules, checked as ACR Tasks checks them (private_acr_rules.task_file)."""

import pytest

from private_acr_rules.task_file import task_file_problems

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
