"""The whole dev and prod stacks: security-relevant properties and the dependencies between them."""

from __future__ import annotations

from conftest import by_name
from private_acr_preview.program import ProgramRun
from private_acr_rules.roles import BUILTIN_ROLES


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
    assert zone.inputs["privateZoneName"] == "privatelink.azurecr.io"
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
    assert reader.inputs["roleDefinitionId"].endswith(BUILTIN_ROLES["Storage Blob Data Reader"])
    assert reader.inputs["scope"] == by_name(dev_run, "artifacts-account").outputs["id"]
    assert (
        reader.inputs["principalId"]
        == by_name(dev_run, "build-task-identity").outputs["principalId"]
    )


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
        == "privatelink.blob.core.windows.net"
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


def test_cluster_identity_holds_network_contributor_before_the_cluster_exists(
    dev_run: ProgramRun,
) -> None:
    access = by_name(dev_run, "aks-subnet-access")
    assert access.inputs["scope"] == by_name(dev_run, "network-aks-subnet").outputs["id"]
    assert access.inputs["roleDefinitionId"].endswith(BUILTIN_ROLES["Network Contributor"])
    assert access.inputs["principalId"] == by_name(dev_run, "aks-identity").outputs["principalId"]
    assert access.urn in by_name(dev_run, "aks-cluster").dependencies


def test_kubelet_pulls_from_the_registry(dev_run: ProgramRun) -> None:
    pull = by_name(dev_run, "aks-acr-pull")
    cluster = by_name(dev_run, "aks-cluster")
    assert pull.inputs["roleDefinitionId"].endswith(BUILTIN_ROLES["AcrPull"])
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
    role = by_name(dev_run, "ci-trigger-tasks-contributor").inputs
    assert role["roleDefinitionId"].endswith(BUILTIN_ROLES["Container Registry Tasks Contributor"])
    assert role["scope"] == by_name(dev_run, "registry-acr").outputs["id"]


def test_stack_outputs_give_the_commands_and_manifest(dev_run: ProgramRun) -> None:
    outputs = dev_run.outputs
    registry = by_name(dev_run, "registry-acr").outputs["name"]
    assert outputs["loginServer"] == f"{registry}.azurecr.io"
    assert (
        outputs["taskRunCommand"]
        == f"az acr task run --registry {registry} --name private-build-dev --context ."
    )
    assert f"--agent-pool {outputs['agentPoolName']}" in outputs["quickBuildCommand"]
    manifest = outputs["podManifest"]
    assert "azure.workload.identity/use: 'true'" in manifest
    assert f"azure.workload.identity/client-id: {outputs['buildTriggerClientId']}" in manifest


def test_protect_follows_config(dev_run: ProgramRun, prod_run: ProgramRun) -> None:
    guarded = ("registry-acr", "build-pool", "aks-cluster", "artifacts-account")
    assert not any(by_name(dev_run, name).protect for name in guarded)
    assert all(by_name(prod_run, name).protect for name in guarded)
