"""A Premium container registry that is private by default.

Premium is the only tier with agent pools and private link. Defaults: admin user off,
anonymous pull off, public network access off (network rule set Deny), trusted-service bypass
off (ACR Tasks are no longer a trusted service), export disabled, dedicated data endpoints on,
retention of untagged manifests on, or soft delete instead (ACR allows only one of the two). The registry name is made globally unique with
pulumi-random and pinned in state, so it never changes once created.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import re
from typing import NotRequired

import pulumi
import pulumi_random as random
from pulumi_azure_native import containerregistry

from private_acr_tasks._common import SharedArgs, child_name, type_token
from private_acr_tasks.errors import ComponentArgsError

REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
"""Azure: 5-50 alphanumerics, globally unique."""

_SUFFIX_LENGTH = 8
_PREFIX = re.compile(r"^[a-z0-9]{0,40}$")


class RegistryArgs(SharedArgs):
    """Arguments of :class:`Registry`."""

    name_prefix: str
    """Lower-case alphanumerics (at most 40) that start the registry name; a random
    suffix of 8 makes it globally unique. E.g. ``acrdev``."""
    retention_days: NotRequired[int | None]
    """Days to keep untagged manifests (0-365); ``None`` turns retention off. Default 7,
    or off when ``soft_delete_days`` is set."""
    soft_delete_days: NotRequired[int | None]
    """Days deleted artifacts stay recoverable (1-90). Default: soft delete off. ACR refuses
    soft delete together with retention, and on geo-replicated registries."""
    zone_redundancy: NotRequired[bool]
    """Spread the registry across availability zones. Default False."""
    public_network_access: NotRequired[bool]
    """Allow access from public networks. Default False: reach it over private link."""
    allow_trusted_services: NotRequired[bool]
    """Let trusted Azure services bypass the network rules. Default False."""


def _check(args: RegistryArgs) -> list[str]:
    problems: list[str] = []
    prefix = args.get("name_prefix")
    if (
        not isinstance(prefix, str)
        or not _PREFIX.fullmatch(prefix)
        or len(prefix) + _SUFFIX_LENGTH < 5
    ):
        problems.append(
            f"RegistryArgs.name_prefix: got {prefix!r}; expected lower-case letters and digits, "
            f"at most 40 (a random suffix of {_SUFFIX_LENGTH} is added)"
        )
    soft = args.get("soft_delete_days")
    days = args.get("retention_days", None if soft is not None else 7)
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365
    ):
        problems.append(
            f"RegistryArgs.retention_days: got {days!r}; expected a whole number 0-365 or None"
        )
    if soft is not None and (
        not isinstance(soft, int) or isinstance(soft, bool) or not 1 <= soft <= 90
    ):
        problems.append(
            f"RegistryArgs.soft_delete_days: got {soft!r}; expected a whole number 1-90 or None"
        )
    if soft is not None and days is not None:
        problems.append(
            "RegistryArgs.soft_delete_days: ACR does not allow soft delete together with the "
            "retention policy; set retention_days to None"
        )
    return problems


class Registry(pulumi.ComponentResource):
    """Premium ACR with a globally unique name.

    Children: ``<name>-suffix`` (random.RandomString), ``<name>-acr``.
    """

    registry_id: pulumi.Output[str]
    """ARM id of the registry."""
    registry_name: pulumi.Output[str]
    """The registry's globally unique name."""
    login_server: pulumi.Output[str]
    """``<name>.azurecr.io``."""

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("Registry"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        suffix = random.RandomString(
            child_name(name, "suffix"),
            length=_SUFFIX_LENGTH,
            special=False,
            upper=False,
            opts=child,
        )
        public = args.get("public_network_access", False)
        soft_delete = args.get("soft_delete_days")
        retention = args.get("retention_days", None if soft_delete is not None else 7)
        self.registry = containerregistry.Registry(
            child_name(name, "acr"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            registry_name=pulumi.Output.concat(args["name_prefix"], suffix.result),
            sku=containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            data_endpoint_enabled=True,
            public_network_access="Enabled" if public else "Disabled",
            network_rule_set=containerregistry.NetworkRuleSetArgs(default_action="Deny"),
            network_rule_bypass_options=(
                "AzureServices" if args.get("allow_trusted_services", False) else "None"
            ),
            zone_redundancy="Enabled" if args.get("zone_redundancy", False) else "Disabled",
            policies=containerregistry.PoliciesArgs(
                retention_policy=containerregistry.RetentionPolicyArgs(
                    days=retention if retention is not None else 7,
                    status="enabled" if retention is not None else "disabled",
                ),
                soft_delete_policy=containerregistry.SoftDeletePolicyArgs(
                    retention_days=soft_delete if soft_delete is not None else 7,
                    status="enabled" if soft_delete is not None else "disabled",
                ),
                # Export is only refused while public access is off; keep both together.
                export_policy=containerregistry.ExportPolicyArgs(
                    status="enabled" if public else "disabled"
                ),
            ),
            tags=dict(args.get("tags", {})),
            opts=child,
        )
        self.registry_id = self.registry.id
        self.registry_name = self.registry.name
        self.login_server = self.registry.login_server
        self.register_outputs(
            {
                "registry_id": self.registry_id,
                "registry_name": self.registry_name,
                "login_server": self.login_server,
            }
        )
