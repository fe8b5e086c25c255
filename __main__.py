"""private-acr-tasks: load the stack's settings once, compose the components, export outputs."""

import pulumi

from private_acr_tasks.errors import ConfigError
from private_acr_tasks.settings import load_from_pulumi
from private_acr_tasks.stack import build_stack

try:
    settings = load_from_pulumi()
except ConfigError as error:
    # RunError ends the program with this message and no traceback.
    raise pulumi.RunError(str(error)) from None

for key, value in build_stack(settings).items():
    pulumi.export(key, value)
