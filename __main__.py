"""private-acr-tasks: load the stack's settings once, compose the components, export outputs."""

import pulumi

from private_acr_tasks.errors import InputError
from private_acr_tasks.preflight import require_existing_network
from private_acr_tasks.settings import load_from_pulumi
from private_acr_tasks.stack import build_stack

try:
    settings = load_from_pulumi()
    # Subnets owned elsewhere are checked before the first resource registers.
    require_existing_network(settings.network, aks_outbound=settings.aks.outbound_type)
except InputError as error:
    # RunError ends the program with this message and no traceback.
    raise pulumi.RunError(str(error)) from None

for key, value in build_stack(settings).items():
    pulumi.export(key, value)
