"""Pools, tasks and private registries in the stack settings: each key refused by name, once."""

import ipaddress
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, stack_config, with_changes
from private_acr_rules.agent_pools import AgentPoolTier
from private_acr_tasks.build_task import BUILTIN_TASK, RegistryCredentials
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.program_files import MAX_TASK_FILE_BYTES
from private_acr_tasks.settings import StackSettings, load_settings

BUILDS = stack_config("builds")
DEV = stack_config("dev")
TWO_LARGE_POOLS = {"heavy": {"tier": "S3", "count": 2}, "heavy2": {"tier": "S3", "count": 2}}


def load(config: dict[str, str], program_dir: Path = ROOT) -> StackSettings:
    return load_settings(config, program_dir)


def problems(config: dict[str, str], program_dir: Path = ROOT) -> list[str]:
    try:
        load(config, program_dir)
    except ConfigError as error:
        return list(error.problems)
    return []


def named(config: dict[str, str], key: str, program_dir: Path = ROOT) -> list[str]:
    """The problems naming ``key`` (at least one must)."""
    found = problems(config, program_dir)
    naming = [p for p in found if key in p]
    assert naming, found
    return naming


def task_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "app.yaml").write_text(text)
    return tmp_path


def test_the_builds_stack_has_two_pools_and_its_task_on_the_large_one() -> None:
    settings = load(BUILDS)
    assert {k: (p.pool_name, p.tier, p.count) for k, p in settings.agent_pools.items()} == {
        "small": ("small", AgentPoolTier.S1, 1),
        "heavy": ("heavy", AgentPoolTier.S3, 1),
    }
    app = settings.tasks["app"]
    assert (app.agent_pool, app.plan.task_name, app.builtin) == ("heavy", "app-builds", False)
    assert app.plan.task_yaml == (ROOT / "tasks" / "app.yaml").read_text()
    # Its base image is in the internal registry, which ACR cannot track: a timer, no trigger.
    assert (app.plan.timer, app.plan.base_image_trigger) == ("0 3 * * *", False)


def test_every_task_logs_in_to_every_private_registry_with_its_secret_names() -> None:
    registries = load(BUILDS).tasks["app"].plan.private_registries
    assert registries == {
        "registry.internal.example.com": RegistryCredentials(
            "internal-registry-user", "internal-registry-password"
        )
    }


def test_the_registry_address_becomes_a_build_destination_of_the_network() -> None:
    (destination,) = load(BUILDS).network.build_destinations
    assert (destination.label, destination.network, destination.port) == (
        "registry.internal.example.com",
        ipaddress.IPv4Network("10.70.4.0/24"),
        443,
    )


def test_private_registries_or_tasks_bring_a_key_vault() -> None:
    assert load(BUILDS).key_vault is not None
    assert load(DEV).key_vault is None


def test_purge_protection_is_on_unless_the_key_vault_section_turns_it_off() -> None:
    vault = load(BUILDS).key_vault
    assert vault is not None and vault.purge_protection is True
    vault = load(with_changes(BUILDS, keyVault={"purgeProtection": False})).key_vault
    assert vault is not None and vault.purge_protection is False
    vault = load(with_changes(BUILDS, keyVault={"softDeleteDays": 30})).key_vault
    assert vault is not None and vault.soft_delete_days == 30


def test_the_key_vault_section_is_checked_even_without_a_vault() -> None:
    with pytest.raises(ConfigError) as raised:
        load(with_changes(DEV, keyVault={"purgeProtecton": False}))
    assert "keyVault.purgeProtecton: unknown key; did you mean 'keyVault.purgeProtection'?" in str(
        raised.value
    )
    with pytest.raises(ConfigError) as raised:
        load(with_changes(BUILDS, keyVault={"purgeProtection": "no"}))
    assert "keyVault.purgeProtection: got 'no'" in str(raised.value)


def test_without_agent_pools_the_single_pool_is_default_and_keeps_its_name() -> None:
    settings = load(DEV)
    assert list(settings.agent_pools) == ["default"]
    assert settings.agent_pools["default"].pool_name == "pool-dev"
    task = settings.tasks["default"]
    assert task.builtin and task.agent_pool == "default" and task.plan.task_yaml == BUILTIN_TASK


def test_the_pool_default_in_agent_pools_is_the_single_pools_pool() -> None:
    config = with_changes(DEV, agentPool=None, agentPools={"default": {"tier": "S2"}})
    assert load(config).agent_pools["default"].pool_name == "pool-dev"


def test_without_tasks_and_a_default_pool_the_stacks_task_runs_on_the_first_pool() -> None:
    config = with_changes(BUILDS, tasks=None, privateRegistries=None)
    task = load(config).tasks["default"]
    assert task.builtin and task.agent_pool == "small"


def test_the_main_task_is_the_first_in_config_order(tmp_path: Path) -> None:
    program = task_dir(tmp_path, (ROOT / "tasks" / "app.yaml").read_text())
    tasks = {
        "zeta": {"agentPool": "small", "file": "tasks/app.yaml"},
        "alpha": {"agentPool": "heavy", "file": "tasks/app.yaml"},
    }
    settings = load(with_changes(BUILDS, tasks=tasks), program)
    assert settings.main_task == "zeta" and settings.agent_pool.pool_name == "small"


def test_a_pool_subnet_is_planned_in_the_network() -> None:
    pools = {"small": {"tier": "S1"}, "heavy": {"tier": "S3", "subnet": "10.45.3.0/24"}}
    network = load(with_changes(BUILDS, agentPools=pools)).network
    assert dict(network.pool_subnets) == {"heavy": ipaddress.IPv4Network("10.45.3.0/24")}


def test_the_agent_pool_quota_admits_more_pools() -> None:
    assert problems(with_changes(BUILDS, agentPools=TWO_LARGE_POOLS, agentPoolQuota="32")) == []


def test_a_task_files_path_is_relative_to_the_program_directory(tmp_path: Path) -> None:
    text = "steps:\n  - cmd: bash echo hello\n"
    settings = load(BUILDS, task_dir(tmp_path, text))
    assert settings.tasks["app"].plan.task_yaml == text


def test_a_registry_problem_is_reported_once_however_many_tasks(tmp_path: Path) -> None:
    program = task_dir(tmp_path, (ROOT / "tasks" / "app.yaml").read_text())
    tasks = {
        "a": {"agentPool": "small", "file": "tasks/app.yaml"},
        "b": {"agentPool": "heavy", "file": "tasks/app.yaml"},
    }
    registries = {"registry.internal.example.com": {"usernameSecret": "u", "passwordSecret": "p w"}}
    found = problems(with_changes(BUILDS, tasks=tasks, privateRegistries=registries), program)
    assert len([p for p in found if "passwordSecret" in p]) == 1


# (changes to the builds stack, the key the refusal must name, a part of its message)
REFUSED: list[tuple[dict[str, Any], str, str]] = [
    (
        {"agentPools": TWO_LARGE_POOLS},
        "agentPools",
        "agentPools: 2 x S3 + 2 x S3 needs 32 vCPUs but the registry's standard quota is 16",
    ),
    (
        {"agentPool": {"tier": "S2"}},
        "agentPools",
        "agentPool and agentPools cannot both be set",
    ),
    ({"agentPools": {"Heavy": {"tier": "S3"}}}, "agentPools.Heavy", "expected a key of 3-20"),
    ({"agentPools": {"heavy": {"tier": "S4"}}}, "agentPools.heavy.tier", "got 'S4'"),
    (
        {"agentPools": {"heavy": {"teir": "S3"}}},
        "agentPools.heavy.teir",
        "did you mean 'agentPools.heavy.tier'?",
    ),
    (
        {"agentPools": {"heavy": {"vcpuQuota": 32}}},
        "agentPools.heavy.vcpuQuota",
        "set agentPoolQuota",
    ),
    ({"agentPools": {"heavy": "S3"}}, "agentPools.heavy", "expected an object of settings"),
    (
        {"agentPools": {"heavy": {"tier": "S3", "subnet": "10.45.1.0/25"}}},
        "agentPools.heavy.subnet",
        "overlaps",
    ),
    ({"agentPoolQuota": "-1"}, "agentPoolQuota", "got -1"),
    (
        {"tasks": {"app": {"agentPool": "medium", "file": "tasks/app.yaml"}}},
        "tasks.app.agentPool",
        "got 'medium'; expected one of the agent pools: small, heavy",
    ),
    (
        {"tasks": {"app": {"file": "tasks/app.yaml"}}},
        "tasks.app.agentPool",
        "there is no pool default",
    ),
    (
        {"tasks": {"app": {"agentPool": "heavy", "file": "tasks/missing.yaml"}}},
        "tasks.app.file",
        "tasks/missing.yaml does not exist",
    ),
    (
        {"tasks": {"app": {"agentPool": "heavy"}}},
        "tasks.app.file",
        "missing; expected the path of a task file",
    ),
    (
        {
            "tasks": {
                "app": {
                    "agentPool": "heavy",
                    "file": "tasks/app.yaml",
                    "triggers": {"timer": "every night"},
                }
            }
        },
        "tasks.app.triggers.timer",
        "expected five fields",
    ),
    (
        {
            "tasks": {
                "app": {
                    "agentPool": "heavy",
                    "file": "tasks/app.yaml",
                    "triggers": {"baseImage": "yes"},
                }
            }
        },
        "tasks.app.triggers.baseImage",
        "got 'yes'",
    ),
    (
        {
            "tasks": {
                "app": {
                    "agentPool": "heavy",
                    "file": "tasks/app.yaml",
                    "triggers": {"source": True},
                }
            }
        },
        "tasks.app.triggers.source",
        "unknown key",
    ),
    (
        {
            "tasks": {
                "app": {
                    "agentPool": "heavy",
                    "file": "tasks/app.yaml",
                    "context": "https://bot:token@git.internal/app.git",
                }
            }
        },
        "tasks.app.context",
        "holds credentials (https://***@git.internal/app.git)",
    ),
    (
        {"tasks": {"App": {"agentPool": "heavy", "file": "tasks/app.yaml"}}},
        "tasks.App",
        "expected a key of lower-case letters",
    ),
    (
        {"privateRegistries": {"internal": {"usernameSecret": "u", "passwordSecret": "p"}}},
        "privateRegistries.internal",
        "expected a login server",
    ),
    (
        {"privateRegistries": {"registry.internal.example.com": {"usernameSecret": "u"}}},
        "privateRegistries.registry.internal.example.com.passwordSecret",
        "missing; this is required",
    ),
    (
        {
            "privateRegistries": {
                "registry.internal.example.com": {
                    "usernameSecret": "u",
                    "passwordSecret": "p",
                    "port": 5000,
                }
            }
        },
        "privateRegistries.registry.internal.example.com.port",
        "needs privateRegistries.registry.internal.example.com.address",
    ),
    (
        {
            "privateRegistries": {
                "registry.internal.example.com": {
                    "usernameSecret": "u",
                    "passwordSecret": "p",
                    "address": "10.70.4.0/24",
                    "port": 70000,
                }
            }
        },
        "privateRegistries.registry.internal.example.com.port",
        "got 70000",
    ),
    (
        {
            "privateRegistries": {
                "registry.internal.example.com": {
                    "usernameSecret": "u",
                    "passwordSecret": "p",
                    "address": "10.70.4.1/24",
                }
            }
        },
        "privateRegistries.registry.internal.example.com.address",
        "without host bits",
    ),
    (
        {
            "privateRegistries": {
                "registry.internal.example.com": {
                    "usernameSecret": "u",
                    "passwordSecret": "p",
                    "adress": "10.70.4.0/24",
                }
            }
        },
        "privateRegistries.registry.internal.example.com.adress",
        "did you mean",
    ),
    (
        {
            "privateRegistries": {
                "registry.internal.example.com": {
                    "usernameSecret": "u",
                    "passwordSecret": "p",
                    "address": "172.17.4.0/24",
                }
            }
        },
        "privateRegistries.registry.internal.example.com.address",
        "overlaps the Docker bridge",
    ),
    (
        {"network__privateEndpointSubnet": "10.45.2.0/29"},
        "network.privateEndpointSubnet",
        "its private endpoints need 4",
    ),
]


@pytest.mark.parametrize(
    ("changes", "key", "message"), REFUSED, ids=[f"{k}:{i}" for i, (_, k, _) in enumerate(REFUSED)]
)
def test_a_bad_value_is_refused_naming_its_key(
    changes: dict[str, Any], key: str, message: str
) -> None:
    found = named(with_changes(BUILDS, **changes), key)
    assert any(message in p for p in found), found


def test_the_older_quota_spelling_and_the_new_one_together_are_refused() -> None:
    config = with_changes(DEV, agentPool__vcpuQuota=32, agentPoolQuota="32")
    assert any(
        "agentPool.vcpuQuota is the older spelling" in p for p in named(config, "agentPoolQuota")
    )


def test_the_older_quota_spelling_raises_the_quota_of_several_pools_too() -> None:
    config = with_changes(
        BUILDS, agentPools=TWO_LARGE_POOLS, agentPool={"vcpuQuota": 32}, agentPoolQuota=None
    )
    assert problems(config) == []


def test_the_older_quota_spelling_still_raises_the_quota() -> None:
    config = with_changes(DEV, agentPool__tier="S3", agentPool__count=3, agentPool__vcpuQuota=32)
    assert problems(config) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: [unclosed\n", "tasks.app.file: not valid YAML (line 2"),
        ("version: v1.1.0\n", "tasks.app.file: steps: expected a list of build, cmd or push steps"),
        ("steps:\n  - push: $Registry/app\n", "tasks.app.file: steps[0].push: got '$Registry/app'"),
    ],
)
def test_a_task_file_acr_would_refuse_is_named_by_its_key(
    tmp_path: Path, text: str, message: str
) -> None:
    found = named(BUILDS, "tasks.app.file", task_dir(tmp_path, text))
    assert any(message in p for p in found), found


def test_a_task_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    program = tmp_path
    (program / "tasks").mkdir()
    (program / "tasks" / "app.yaml").write_bytes(b"\xff\xfe\x00steps")
    assert any(
        "cannot read tasks/app.yaml as UTF-8" in p for p in named(BUILDS, "tasks.app.file", program)
    )


INTERNAL = "registry.internal.example.com"
CREDENTIALS = {"usernameSecret": "internal-registry-user", "passwordSecret": "internal-registry-pw"}


def with_registry(server: str, **entry: Any) -> dict[str, str]:
    return with_changes(BUILDS, privateRegistries={server: {**CREDENTIALS, **entry}})


def test_a_login_servers_own_port_is_the_port_the_agents_are_let_out_on() -> None:
    # Docker pulls registry.internal.example.com:5000/base from port 5000, not 443.
    network = load(with_registry(f"{INTERNAL}:5000", address="10.70.4.0/24")).network
    (destination,) = network.build_destinations
    assert (destination.label, destination.port) == (f"{INTERNAL}:5000", 5000)
    (rule,) = [r for r in network.agent_rules if r.name.startswith("allow-build-destination")]
    assert (rule.destination_address_prefix, rule.destination_port_range) == (
        "10.70.4.0/24",
        "5000",
    )


def test_a_port_that_says_the_same_as_the_login_server_is_accepted() -> None:
    network = load(with_registry(f"{INTERNAL}:5000", address="10.70.4.0/24", port=5000)).network
    assert [d.port for d in network.build_destinations] == [5000]


def test_a_login_server_without_a_port_is_reached_on_port_or_443() -> None:
    assert [
        d.port
        for d in load(with_registry(INTERNAL, address="10.70.4.4")).network.build_destinations
    ] == [443]
    assert [
        d.port
        for d in load(
            with_registry(INTERNAL, address="10.70.4.4", port=8443)
        ).network.build_destinations
    ] == [8443]


def test_a_port_other_than_the_login_servers_is_an_error_naming_both() -> None:
    found = problems(with_registry(f"{INTERNAL}:5000", address="10.70.4.0/24", port=443))
    assert found == [
        f"privateRegistries.{INTERNAL}:5000.port: 443 is not the port of the login server "
        f"{INTERNAL}:5000 (5000); the builds reach the registry on 5000: drop "
        f"privateRegistries.{INTERNAL}:5000.port or make it 5000"
    ]


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_login_server_port_out_of_range_is_refused(port: str) -> None:
    (problem,) = problems(with_registry(f"{INTERNAL}:{port}", address="10.70.4.0/24"))
    assert problem.startswith(f"privateRegistries.{INTERNAL}:{port}: got '{INTERNAL}:{port}'")


def with_task_file(name: str) -> dict[str, str]:
    return with_changes(BUILDS, tasks={"app": {"agentPool": "heavy", "file": name}})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../../../etc/hostname", "../../../../etc/hostname is outside the program directory"),
        ("/dev/zero", "/dev/zero is an absolute path"),
        ("/dev/stdin", "/dev/stdin is an absolute path"),
        ("/etc/hostname", "/etc/hostname is an absolute path"),
        ("tasks", "tasks is a directory; expected a task file"),
        ("tasks/missing.yaml", "tasks/missing.yaml does not exist"),
    ],
)
def test_a_task_file_is_a_file_of_the_program(name: str, message: str) -> None:
    (problem,) = named(with_task_file(name), "tasks.app.file")
    assert problem.startswith(f"tasks.app.file: {message}")


def test_a_link_is_judged_by_where_it_leads(tmp_path: Path) -> None:
    program = task_dir(tmp_path, "steps:\n  - cmd: bash echo hello\n")
    (program / "zero.yaml").symlink_to("/dev/zero")
    (program / "up.yaml").symlink_to(Path("/etc/hostname"))
    (program / "inside.yaml").symlink_to(program / "tasks" / "app.yaml")
    assert problems(with_task_file("inside.yaml"), program) == []
    for name in ("zero.yaml", "up.yaml"):
        (problem,) = problems(with_task_file(name), program)
        assert problem.startswith(f"tasks.app.file: {name} is outside the program directory")


def test_a_name_that_resolves_to_no_file_is_refused_by_key(tmp_path: Path) -> None:
    program = task_dir(tmp_path, "steps: []\n")
    (program / "loop-a").symlink_to("loop-b")
    (program / "loop-b").symlink_to("loop-a")
    for name, message in [
        ("loop-a", "'loop-a' names no file (Symlink loop"),
        ("tasks\x00app.yaml", "'tasks\\x00app.yaml' names no file (embedded null byte)"),
        ("tasks/app.yaml/x", "cannot open tasks/app.yaml/x (Not a directory)"),
        ("x" * 300, "cannot open xxx"),
    ]:
        (problem,) = problems(with_task_file(name), program)
        assert problem.startswith(f"tasks.app.file: {message}"), problem


def test_a_fifo_or_a_device_in_the_program_is_refused_without_reading_it(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes; a device may never end.
    program = task_dir(tmp_path, "steps: []\n")
    os.mkfifo(program / "tasks" / "pipe.yaml")
    (problem,) = problems(with_task_file("tasks/pipe.yaml"), program)
    assert problem == "tasks.app.file: tasks/pipe.yaml is a FIFO; expected a task file"


def test_a_task_file_is_read_up_to_a_bound(tmp_path: Path) -> None:
    text = "steps:\n  - cmd: bash echo hello\n"
    program = task_dir(tmp_path, text + "#" * (MAX_TASK_FILE_BYTES - len(text)))
    assert problems(with_task_file("tasks/app.yaml"), program) == []
    (program / "tasks" / "big.yaml").write_text(text + "#" * MAX_TASK_FILE_BYTES)
    (problem,) = problems(with_task_file("tasks/big.yaml"), program)
    assert problem == (
        "tasks.app.file: tasks/big.yaml is larger than 1024 KiB, the most a task file is read up to"
    )


def test_a_context_with_credentials_is_refused_and_never_shown() -> None:
    context = "https://builder:ghp_S3cretT0ken@git.example.com/team/app.git#main"
    tasks = {"app": {"agentPool": "heavy", "file": "tasks/app.yaml", "context": context}}
    with pytest.raises(ConfigError) as caught:
        load(with_changes(BUILDS, tasks=tasks))
    (problem,) = caught.value.problems
    assert problem.startswith(
        "tasks.app.context: holds credentials (https://***@git.example.com/team/app.git#main)"
    )
    assert "S3cret" not in str(caught.value) and "builder" not in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        # Wherever a value with credentials is echoed, they are masked.
        ({"network__firewallPolicyId": "https://u:S3cret@example.com/fw"}, "network"),
        ({"agentPools": {"small": {"tier": "https://u:S3cret@example.com/"}}}, "agentPools.small"),
        ({"privateRegistries": {"https://u:S3cret@r.example.com": {}}}, "privateRegistries"),
    ],
)
def test_no_message_prints_a_credential(changes: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(with_changes(BUILDS, **changes))
    assert key in str(caught.value) and "https://***@" in str(caught.value)
    assert "S3cret" not in str(caught.value)
    assert not any("S3cret" in p for p in caught.value.problems)


# Idle scaling --------------------------------------------------------------------------------

WORKING_HOURS = {"scaleDown": "0 20 * * 1-5", "scaleUp": "0 6 * * 1-5"}


def test_the_single_pools_schedule_is_planned_with_its_idle_count() -> None:
    schedule = {**WORKING_HOURS, "idleCount": "0"}  # `pulumi config set --path` gives text
    plan = load(with_changes(DEV, agentPool__count=2, agentPool__schedule=schedule)).agent_pool
    assert plan.schedule is not None and plan.schedule.idle_count == 0
    assert (plan.schedule.scale_down.hours, plan.schedule.scale_up.hours) == ((20,), (6,))


def test_each_of_several_pools_may_have_a_schedule_of_its_own() -> None:
    pools = {"small": {"tier": "S1", "count": 1}, "heavy": {"count": 1, "schedule": WORKING_HOURS}}
    plans = load(with_changes(BUILDS, agentPools=pools)).agent_pools
    assert plans["small"].schedule is None and plans["heavy"].schedule is not None


def test_a_schedule_calls_the_resource_manager_of_the_stacks_cloud() -> None:
    config = with_changes(DEV, agentPool__schedule=WORKING_HOURS)
    config["azure-native:environment"] = "china"
    config["azure-native:location"] = "chinanorth3"
    assert load(config).agent_pool.cloud.value == "china"


@pytest.mark.parametrize(
    ("schedule", "key", "message"),
    [
        ({"scaleDown": "0 20 * * 1-5"}, "agentPool.schedule.scaleUp", "missing; this is required"),
        (
            {**WORKING_HOURS, "scaleDwon": "0 21 * * *"},
            "agentPool.schedule.scaleDwon",
            "did you mean 'agentPool.schedule.scaleDown'?",
        ),
        (
            {**WORKING_HOURS, "idleCount": 1},
            "agentPool.schedule.idleCount",
            "below agentPool.count (1)",
        ),
        (
            {**WORKING_HOURS, "scaleUp": "0 20 * * 5"},
            "agentPool.schedule.scaleUp",
            "fires at Fri 20:00 UTC, as agentPool.schedule.scaleDown does",
        ),
        ({**WORKING_HOURS, "scaleUp": "0 6 1 * *"}, "agentPool.schedule.scaleUp", "must be *"),
        (
            "nightly",
            "agentPool.schedule",
            "expected an object with the scale-down and scale-up times",
        ),
    ],
)
def test_a_bad_schedule_is_refused_naming_its_config_key(
    schedule: object, key: str, message: str
) -> None:
    found = named(with_changes(DEV, agentPool__schedule=schedule), key)
    assert any(message in p for p in found), found


def test_a_keyed_pools_schedule_is_named_by_its_pool() -> None:
    pools = {"heavy": {"count": 1, "schedule": {**WORKING_HOURS, "idleCount": 3}}}
    found = named(with_changes(BUILDS, agentPools=pools), "agentPools.heavy.schedule.idleCount")
    assert any("below agentPools.heavy.count (1)" in p for p in found), found
