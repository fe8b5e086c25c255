"""Serve every component of private_acr_tasks to TypeScript, Go, C#, Java and YAML programs.

The Python language host runs this file (``python provider/ <engine address>``) when a
program uses the package added with ``pulumi package add``. The schema is inferred from the
components' args annotations and docstrings, its descriptions rewritten in the consumer's
words (``private_acr_tasks.provider_schema``); the type tokens are
``private-acr-tasks:index:<Component>``.
"""

import sys
import typing
from importlib.metadata import version

from pulumi.provider import main
from pulumi.provider.experimental.host import components_from_module

import private_acr_tasks
from private_acr_tasks.provider_schema import ConsumerSchemaProvider

if __name__ == "__main__":
    exported = [getattr(private_acr_tasks, name) for name in private_acr_tasks.__all__]
    main(
        ConsumerSchemaProvider(
            components_from_module(private_acr_tasks),
            "private-acr-tasks",
            version("private-acr-tasks"),
            [kind for kind in exported if isinstance(kind, type) and typing.is_typeddict(kind)],
        ),
        sys.argv[1:],
    )
