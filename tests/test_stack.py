"""The whole dev and prod stacks: security-relevant properties and the dependencies between them."""

from __future__ import annotations

import ipaddress
import re

import kubernetes_validate
import pytest
import yaml
from learn_facts import BUILD_TRIGGER_ACTIONS, POOL_SCALER_ACTIONS, PRIVATE_DNS_ZONES, ROLE_IDS

from conftest import ROOT, by_name, stack_config, with_changes
from private_acr_preview.program import ProgramRun, run_program
from private_acr_rules import nsg, roles

DEPLOYER = "11111111-2222-3333-4444-555555555555"


def test_the_readme_counts_what_the_dev_stack_creates(dev_run: ProgramRun) -> None:
    readme = (ROOT / "README.md").read_text()
    words = r"What the dev stack creates \((\d+) to create, as `make preview` counts them: (\d+)"
    words += r" cloud resources and (\d+) components"
    found = re.search(words.replace(" ", r"\s+"), readme)
    assert found, "README.md no longer says what the dev stack creates in the words this test reads"
    cloud = sum(r.custom for r in dev_run.resources)
    counted = (len(dev_run.resources), cloud, len(dev_run.resources) - cloud)
    assert tuple(int(n) for n in found.groups()) == counted


def test_registry_endpoint_is_in_the_endpoint_subnet_never_the_agent_subnet(
    dev_run: ProgramRun,
) -> None:
    endpoint = by_name(dev_run, "registry-endpoint-pe")
    assert endpoint.property_dependencies["subnet"] == [by_name(dev_run, "network-pe-subnet").urn]
    assert endpoint.property_dependencies["privateLinkServiceConnections"] == [
        by_name(dev_run, "registry-acr").urn
    ]
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["registry"]
    zone = by_name(dev_run, "registry-endpoint-zone")
    assert zone.inputs["privateZoneName"] == PRIVATE_DNS_ZONES["public"]["registry"]
    link = by_name(dev_run, "registry-endpoint-link-build")
    assert link.inputs["registrationEnabled"] is False
    assert link.property_dependencies["virtualNetwork"] == [by_name(dev_run, "network-vnet").urn]


def test_endpoint_addresses_come_from_the_endpoint_subnet(dev_run: ProgramRun) -> None:
    configs = by_name(dev_run, "registry-endpoint-pe").outputs["customDnsConfigs"]
    registry = by_name(dev_run, "registry-acr").outputs["name"]
    assert [c["fqdn"] for c in configs] == [
        f"{registry}.azurecr.io",
        f"{registry}.eastus2.data.azurecr.io",
    ]
    assert all(c["ipAddresses"][0].startswith("10.40.2.") for c in configs)


def test_agent_pool_is_created_after_its_subnet_nsg_and_service_endpoints(
    dev_run: ProgramRun,
) -> None:
    pool = by_name(dev_run, "build-pool")
    subnet = by_name(dev_run, "network-agent-subnet")
    assert pool.property_dependencies["virtualNetworkSubnetResourceId"] == [subnet.urn]
    # The NSG association and the service endpoints are properties of the subnet itself.
    nsg = by_name(dev_run, "network-agent-nsg")
    assert subnet.property_dependencies["networkSecurityGroup"] == [nsg.urn]
    assert subnet.inputs["serviceEndpoints"]
    assert pool.inputs["registryName"] == by_name(dev_run, "registry-acr").outputs["name"]
    task = by_name(dev_run, "build-task")
    assert task.inputs["agentPoolName"] == pool.outputs["name"]


def test_task_identity_reads_the_artifact_with_the_least_role(dev_run: ProgramRun) -> None:
    reader = by_name(dev_run, "artifacts-reader-build-task")
    assert reader.inputs["roleDefinitionId"].endswith(ROLE_IDS["Storage Blob Data Reader"])
    assert reader.inputs["principalType"] == "ServicePrincipal"
    assert (
        reader.inputs["principalId"]
        == by_name(dev_run, "build-task-identity").outputs["principalId"]
    )


def test_task_identity_reads_only_the_artifact_container(dev_run: ProgramRun) -> None:
    reader = by_name(dev_run, "artifacts-reader-build-task")
    assert reader.inputs["scope"] == by_name(dev_run, "artifacts-container").outputs["id"]


def test_storage_is_private(dev_run: ProgramRun) -> None:
    account = by_name(dev_run, "artifacts-account").inputs
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["allowBlobPublicAccess"] is False and account["allowSharedKeyAccess"] is False
    assert account["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}
    assert account["minimumTlsVersion"] == "TLS1_2"
    blob = by_name(dev_run, "artifacts-blob-pe").inputs
    assert blob["privateLinkServiceConnections"][0]["groupIds"] == ["blob"]
    assert (
        by_name(dev_run, "artifacts-blob-zone").inputs["privateZoneName"]
        == PRIVATE_DNS_ZONES["public"]["blob"]
    )


def test_cluster_network_identity_and_access(dev_run: ProgramRun) -> None:
    cluster = by_name(dev_run, "aks-cluster")
    props = cluster.inputs
    profile = props["networkProfile"]
    assert profile["networkPlugin"] == "azure" and profile["networkPluginMode"] == "overlay"
    assert (profile["serviceCidr"], profile["dnsServiceIP"], profile["podCidr"]) == (
        "10.100.0.0/16",
        "10.100.0.10",
        "10.244.0.0/16",
    )
    assert props["disableLocalAccounts"] is True and props["enableRBAC"] is True
    assert props["aadProfile"] == {"managed": True, "enableAzureRBAC": True}
    assert props["oidcIssuerProfile"] == {"enabled": True}
    assert props["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert props["apiServerAccessProfile"] == {"enablePrivateCluster": True}
    assert props["agentPoolProfiles"][0]["enableNodePublicIP"] is False
    assert cluster.property_dependencies["agentPoolProfiles"] == [
        by_name(dev_run, "network-aks-subnet").urn
    ]
    assert props["linuxProfile"]["ssh"]["publicKeys"][0]["keyData"].startswith("ssh-ed25519 ")


def test_cluster_identity_may_join_its_subnet_before_the_cluster_exists(
    dev_run: ProgramRun,
) -> None:
    access = by_name(dev_run, "aks-subnet-access")
    role = by_name(dev_run, "aks-subnet-role")
    assert access.inputs["scope"] == by_name(dev_run, "network-aks-subnet").outputs["id"]
    assert role.urn in access.property_dependencies["roleDefinitionId"]
    # Learn, aks/aks-service-permissions: a custom VNet's subnet needs join and read.
    assert set(role.inputs["permissions"][0]["actions"]) == {
        "Microsoft.Network/virtualNetworks/subnets/join/action",
        "Microsoft.Network/virtualNetworks/subnets/read",
    }
    assert access.inputs["principalId"] == by_name(dev_run, "aks-identity").outputs["principalId"]
    assert access.urn in by_name(dev_run, "aks-cluster").dependencies


def test_no_network_contributor_assignment_in_the_dev_plan(dev_run: ProgramRun) -> None:
    # Learn, built-in roles (networking.md): Network Contributor's GUID.
    network_contributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    assert not [
        r.name
        for r in dev_run.resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["roleDefinitionId"].lower().endswith(network_contributor)
    ]


def test_kubelet_pulls_from_the_registry(dev_run: ProgramRun) -> None:
    pull = by_name(dev_run, "aks-acr-pull")
    cluster = by_name(dev_run, "aks-cluster")
    assert pull.inputs["roleDefinitionId"].endswith(ROLE_IDS["AcrPull"])
    assert pull.inputs["scope"] == by_name(dev_run, "registry-acr").outputs["id"]
    assert (
        pull.inputs["principalId"]
        == cluster.outputs["identityProfile"]["kubeletidentity"]["objectId"]
    )


def test_build_trigger_is_federated_with_the_service_account(dev_run: ProgramRun) -> None:
    federation = by_name(dev_run, "ci-trigger-federation").inputs
    assert federation["subject"] == "system:serviceaccount:ci:acr-build-trigger"
    assert federation["audiences"] == ["api://AzureADTokenExchange"]
    assert (
        federation["issuer"]
        == by_name(dev_run, "aks-cluster").outputs["oidcIssuerProfile"]["issuerURL"]
    )


# Learn, "Azure permissions for Containers": the operations that start runs, push or delete.
STARTS_PUSHES_OR_DELETES = (
    "Microsoft.ContainerRegistry/registries/scheduleRun/action",
    "Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action",
    "Microsoft.ContainerRegistry/registries/push/write",
    "Microsoft.ContainerRegistry/registries/delete",
    "Microsoft.ContainerRegistry/registries/artifacts/delete",
)


def test_no_role_of_the_trigger_identity_starts_pushes_or_deletes(dev_run: ProgramRun) -> None:
    trigger = by_name(dev_run, "ci-trigger-identity").outputs["principalId"]
    held = [
        r
        for r in dev_run.resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["principalId"] == trigger
    ]
    assert held
    definitions = {r.urn: r for r in dev_run.resources if r.type.endswith(":RoleDefinition")}
    for assignment in held:
        [role_urn] = assignment.property_dependencies["roleDefinitionId"]
        actions = [
            a for p in definitions[role_urn].inputs["permissions"] for a in p.get("actions", [])
        ]
        assert "*" not in actions
        permissions = [roles.Permission(actions=tuple(actions))]
        for operation in STARTS_PUSHES_OR_DELETES:
            assert not roles.permits(permissions, operation), (assignment.name, operation)


def test_the_broker_holds_the_run_role_and_the_job_reaches_it_with_its_token(
    dev_run: ProgramRun,
) -> None:
    broker = by_name(dev_run, "ci-trigger-broker")
    identity = by_name(dev_run, "ci-trigger-broker-identity")
    assert broker.inputs["identity"]["userAssignedIdentities"] == [identity.outputs["id"]]
    assignment = by_name(dev_run, "ci-trigger-broker-role-assignment")
    assert assignment.inputs["principalId"] == identity.outputs["principalId"]
    assert assignment.inputs["scope"] == by_name(dev_run, "registry-acr").outputs["id"]
    role = by_name(dev_run, "ci-trigger-broker-role")
    assert (
        "Microsoft.ContainerRegistry/registries/scheduleRun/action"
        in (role.inputs["permissions"][0]["actions"])
    )
    # The broker takes the trigger identity's tokens, and the Job, logged in as that identity
    # with its workload-identity token, posts to the broker's URL.
    [policy] = broker.inputs["accessControl"]["triggers"]["openAuthenticationPolicies"][
        "policies"
    ].values()
    oid = next(c["value"] for c in policy["claims"] if c["name"] == "oid")
    assert oid == by_name(dev_run, "ci-trigger-identity").outputs["principalId"]
    job = yaml.safe_load(dev_run.outputs["buildJobManifest"])
    [container] = job["spec"]["template"]["spec"]["containers"]
    script = container["command"][-1]
    assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in script
    assert script.rstrip().endswith('/opt/acr-build/run-task private-build-dev "$BUILD_CONTEXT"')
    run_task = next(
        d for d in yaml.safe_load_all(dev_run.outputs["podManifest"]) if d["kind"] == "ConfigMap"
    )["data"]["run-task"]
    assert f"--url '{dev_run.outputs['buildBrokerUrl']}'" in run_task
    assert dev_run.outputs["buildBrokerUrl"].startswith("https://")
    assert "sig=" not in dev_run.outputs["buildBrokerUrl"]


def test_build_trigger_holds_the_custom_trigger_role_on_the_registry(dev_run: ProgramRun) -> None:
    registry_id = by_name(dev_run, "registry-acr").outputs["id"]
    role = by_name(dev_run, "ci-trigger-build-role")
    assert role.inputs["assignableScopes"] == [registry_id]
    assert set(role.inputs["permissions"][0]["actions"]) == set(BUILD_TRIGGER_ACTIONS)
    assignment = by_name(dev_run, "ci-trigger-build-role-assignment")
    assert assignment.inputs["scope"] == registry_id
    assert assignment.property_dependencies["roleDefinitionId"] == [role.urn]
    assert (
        assignment.inputs["principalId"]
        == by_name(dev_run, "ci-trigger-identity").outputs["principalId"]
    )


def test_dev_pool_idles_at_night_and_its_scaler_holds_no_role_beyond_the_pool(
    dev_run: ProgramRun,
) -> None:
    pool = by_name(dev_run, "build-pool")
    principal = by_name(dev_run, "build-scaler").outputs["principalId"]
    held = [
        r
        for r in dev_run.resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["principalId"] == principal
    ]
    assert [r.inputs["scope"] for r in held] == [pool.id]
    role = by_name(dev_run, "build-scaler-role")
    assert role.urn in held[0].property_dependencies["roleDefinitionId"]
    assert role.inputs["assignableScopes"] == [pool.id.split("/providers/")[0]]
    assert role.inputs["permissions"] == [{"actions": list(POOL_SCALER_ACTIONS)}]
    down = by_name(dev_run, "build-scale-down").inputs["definition"]
    assert down["actions"]["set_pool_count"]["inputs"]["body"] == {"properties": {"count": 0}}
    assert pool.ignore_changes == ["count"]


def test_no_identity_holds_tasks_contributor(dev_run: ProgramRun) -> None:
    tasks_contributor = ROLE_IDS["Container Registry Tasks Contributor"]
    assert not [
        r.name
        for r in dev_run.resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["roleDefinitionId"].endswith(tasks_contributor)
    ]


def test_deployers_may_apply_the_manifests_in_the_ci_namespace() -> None:
    config = with_changes(stack_config("dev"), buildTrigger__deployers=[DEPLOYER])
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    writer = by_name(run, f"ci-trigger-deployer-{DEPLOYER}").inputs
    cluster_id = by_name(run, "aks-cluster").outputs["id"]
    assert writer["scope"] == f"{cluster_id}/namespaces/ci"
    assert writer["roleDefinitionId"].endswith(ROLE_IDS["Azure Kubernetes Service RBAC Writer"])
    assert writer["principalType"] == "Group"


def test_admin_groups_become_cluster_admins() -> None:
    config = with_changes(stack_config("dev"), aks__adminGroupObjectIds=[DEPLOYER])
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    assert by_name(run, "aks-cluster").inputs["aadProfile"]["adminGroupObjectIDs"] == [DEPLOYER]


def test_stack_outputs_give_the_commands_and_manifests(dev_run: ProgramRun) -> None:
    outputs = dev_run.outputs
    registry = by_name(dev_run, "registry-acr").outputs["name"]
    group = outputs["resourceGroupName"]
    assert outputs["loginServer"] == f"{registry}.azurecr.io"
    assert outputs["taskRunCommand"] == "/opt/acr-build/run-task private-build-dev ."
    run_task = next(
        d for d in yaml.safe_load_all(outputs["podManifest"]) if d["kind"] == "ConfigMap"
    )["data"]["run-task"]
    assert f"--registry {registry} --resource-group {group}" in run_task
    # Quick builds are opt-in: without buildTrigger.quickBuilds there is no command for them.
    assert "quickBuildCommand" not in outputs
    manifest = outputs["podManifest"]
    assert "azure.workload.identity/use: 'true'" in manifest
    assert f"azure.workload.identity/client-id: {outputs['buildTriggerClientId']}" in manifest
    assert yaml.safe_load(outputs["buildJobManifest"])["kind"] == "Job"


AGENTS = [ipaddress.ip_network("10.40.1.0/24")]
REQUIRED_FLOWS = (
    ("AzureKeyVault", 443),
    ("Storage", 443),
    ("EventHub", 443),
    ("AzureActiveDirectory", 443),
    ("AzureMonitor", 443),
    ("AzureMonitor", 12000),
)
"""Learn, tasks-agent-pools, "Add firewall rules"."""


def agent_https(dev_run: ProgramRun, destination: nsg.Endpoint, port: int = 443) -> bool | None:
    rules = by_name(dev_run, "network-agent-nsg").inputs["securityRules"]
    flow = nsg.Flow.to_ports("Outbound", "Tcp", nsg.addresses(AGENTS), destination, [port])
    return nsg.is_allowed(rules, flow)


def test_the_dev_agents_reach_what_they_need_and_no_internet_address(
    dev_run: ProgramRun,
) -> None:
    public = nsg.internet_addresses([ipaddress.ip_network("203.0.113.10/32")])
    assert agent_https(dev_run, public) is False
    for tag, port in REQUIRED_FLOWS:
        assert agent_https(dev_run, nsg.service_tag(tag), port) is True, (tag, port)
    # mcr.microsoft.com: MicrosoftContainerRegistry with AzureFrontDoor.FirstParty
    # (microsoft/containerregistry, client-firewall-rules.md).
    for tag in ("MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty"):
        assert agent_https(dev_run, nsg.service_tag(tag)) is True, tag


def test_open_agent_egress_reaches_any_internet_address() -> None:
    config = with_changes(stack_config("dev"), network__agentEgress="open")
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    public = nsg.internet_addresses([ipaddress.ip_network("203.0.113.10/32")])
    assert agent_https(run, public) is True


def test_the_ci_namespace_enforces_the_restricted_pod_security_standard(
    dev_run: ProgramRun,
) -> None:
    namespace = next(
        d for d in yaml.safe_load_all(dev_run.outputs["podManifest"]) if d["kind"] == "Namespace"
    )
    labels = namespace["metadata"]["labels"]
    assert {mode: labels[f"pod-security.kubernetes.io/{mode}"] for mode in MODES} == {
        "enforce": "restricted",
        "audit": "restricted",
        "warn": "restricted",
    }


MODES = ("enforce", "audit", "warn")


@pytest.mark.parametrize("output", ["podManifest", "buildJobManifest"])
def test_stack_containers_are_limited_and_run_as_a_high_uid(
    dev_run: ProgramRun, output: str
) -> None:
    pods = [
        d["spec"]["template"]["spec"]
        for d in yaml.safe_load_all(dev_run.outputs[output])
        if d["kind"] in ("Deployment", "Job")
    ]
    assert pods
    for pod in pods:
        for container in pod["containers"]:
            assert {"cpu", "memory", "ephemeral-storage"} <= set(container["resources"]["limits"])
            user = container.get("securityContext", {}).get("runAsUser")
            assert (user or pod["securityContext"]["runAsUser"]) >= 10000


def test_the_azure_policy_addon_follows_protect_unless_set(
    dev_run: ProgramRun, prod_run: ProgramRun
) -> None:
    assert "azurepolicy" not in (by_name(dev_run, "aks-cluster").inputs.get("addonProfiles") or {})
    assert by_name(prod_run, "aks-cluster").inputs["addonProfiles"]["azurepolicy"] == {
        "enabled": True
    }
    config = with_changes(stack_config("dev"), aks__azurePolicy=True)
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    assert by_name(run, "aks-cluster").inputs["addonProfiles"] == {"azurepolicy": {"enabled": True}}


@pytest.mark.parametrize("output", ["podManifest", "buildJobManifest"])
def test_stack_manifests_pass_the_kubernetes_schemas(dev_run: ProgramRun, output: str) -> None:
    for document in yaml.safe_load_all(dev_run.outputs[output]):
        kubernetes_validate.validate(document, "1.33", strict=True)


def test_task_and_trigger_use_one_pinned_cli_image() -> None:
    image = "mcr.microsoft.com/azure-cli:2.75.0-azurelinux3.0"
    config = with_changes(stack_config("dev"), buildTrigger__cliImage=image)
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    values = {v["name"]: v["value"] for v in by_name(run, "build-task").inputs["step"]["values"]}
    assert values["cliImage"] == image
    assert f"image: {image}" in run.outputs["buildJobManifest"]


def test_protect_follows_config(dev_run: ProgramRun, prod_run: ProgramRun) -> None:
    guarded = ("registry-acr", "build-pool", "aks-cluster", "artifacts-account")
    assert not any(by_name(dev_run, name).protect for name in guarded)
    assert all(by_name(prod_run, name).protect for name in guarded)


WORKSPACE = "/subscriptions/s/resourceGroups/rg-mgmt/providers/Microsoft.OperationalInsights/workspaces/law-platform"


def test_prod_creates_the_workspace_with_its_retention(prod_run: ProgramRun) -> None:
    workspace = by_name(prod_run, "diagnostics-workspace")
    assert workspace.inputs["retentionInDays"] == 90
    assert workspace.inputs["workspaceName"] == "log-private-acr-tasks-prod"
    assert prod_run.outputs["logAnalyticsWorkspaceId"] == workspace.outputs["id"]


@pytest.mark.parametrize(
    ("setting", "target", "suffix"),
    [
        ("diagnostics-registry", "registry-acr", ""),
        ("diagnostics-aks", "aks-cluster", ""),
        ("diagnostics-artifacts", "artifacts-account", "/blobServices/default"),
    ],
)
def test_prod_sends_each_stateful_resources_logs_to_the_workspace(
    prod_run: ProgramRun, setting: str, target: str, suffix: str
) -> None:
    diagnostic = by_name(prod_run, setting)
    assert diagnostic.type == "azure-native:monitor:DiagnosticSetting"
    assert diagnostic.inputs["resourceUri"] == by_name(prod_run, target).outputs["id"] + suffix
    assert (
        diagnostic.inputs["workspaceId"] == by_name(prod_run, "diagnostics-workspace").outputs["id"]
    )
    assert diagnostic.property_dependencies["resourceUri"] == [by_name(prod_run, target).urn]


def test_prod_cluster_runs_container_insights_into_the_workspace(prod_run: ProgramRun) -> None:
    workspace_id = by_name(prod_run, "diagnostics-workspace").outputs["id"]
    addon = by_name(prod_run, "aks-cluster").inputs["addonProfiles"]["omsagent"]
    assert addon["config"]["logAnalyticsWorkspaceResourceID"] == workspace_id
    rule = by_name(prod_run, "aks-insights").inputs
    assert rule["destinations"]["logAnalytics"][0]["workspaceResourceId"] == workspace_id


def test_a_given_workspace_receives_the_logs_and_none_is_created() -> None:
    config = with_changes(stack_config("dev"), diagnostics__workspaceId=WORKSPACE)
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    assert not [r for r in run.resources if r.type.endswith(":Workspace")]
    settings = [r for r in run.resources if r.type == "azure-native:monitor:DiagnosticSetting"]
    assert len(settings) == 3 and all(s.inputs["workspaceId"] == WORKSPACE for s in settings)


def test_prod_registry_is_replicated_with_zone_redundancy(prod_run: ProgramRun) -> None:
    replica = by_name(prod_run, "registry-replica-westus3")
    assert replica.type == "azure-native:containerregistry:Replication"
    assert replica.parent == by_name(prod_run, "registry").urn
    assert replica.inputs["location"] == "westus3"
    assert replica.inputs["zoneRedundancy"] == "Enabled"


def test_prod_registry_endpoint_resolves_every_regional_data_endpoint(prod_run: ProgramRun) -> None:
    endpoint = by_name(prod_run, "registry-endpoint-pe")
    assert by_name(prod_run, "registry-replica-westus3").urn in endpoint.dependencies
    registry = by_name(prod_run, "registry-acr").outputs["name"]
    configs = endpoint.outputs["customDnsConfigs"]
    assert [c["fqdn"] for c in configs] == [
        f"{registry}.azurecr.io",
        f"{registry}.eastus2.data.azurecr.io",
        f"{registry}.westus3.data.azurecr.io",
    ]
    addresses = [c["ipAddresses"][0] for c in configs]
    assert len(set(addresses)) == 3 and all(a.startswith("10.50.2.") for a in addresses)
    zone_group = by_name(prod_run, "registry-endpoint-dns")
    assert (
        zone_group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"]
        == (by_name(prod_run, "registry-endpoint-zone").outputs["id"])
    )


def test_prod_registry_keeps_untagged_manifests_with_retention(prod_run: ProgramRun) -> None:
    policies = by_name(prod_run, "registry-acr").inputs["policies"]
    assert policies["retentionPolicy"] == {"days": 30, "status": "enabled"}
    assert policies["softDeletePolicy"]["status"] == "disabled"


def test_quick_builds_are_opt_in_and_bring_their_command() -> None:
    config = with_changes(stack_config("dev"), buildTrigger__quickBuilds=True)
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    assert f"--agent-pool {run.outputs['agentPoolName']}" in run.outputs["quickBuildCommand"]
    role = by_name(run, "ci-trigger-build-role")
    assert (
        "Microsoft.ContainerRegistry/registries/scheduleRun/action"
        in (role.inputs["permissions"][0]["actions"])
    )
