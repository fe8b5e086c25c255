"""Serve every component of private_acr_tasks to TypeScript, Go, C#, Java and YAML programs.

The Python language host runs this file (``python provider/ <engine address>``) when a
program uses the package added with ``pulumi package add``. The schema is inferred from the
components' args annotations and docstrings; the type tokens are ``private-acr-tasks:index:<Component>``.
"""

from importlib.metadata import version

from pulumi.provider.experimental import component_provider_host
from pulumi.provider.experimental.host import components_from_module

import private_acr_tasks

if __name__ == "__main__":
    component_provider_host(
        components_from_module(private_acr_tasks),
        name="private-acr-tasks",
        version=version("private-acr-tasks"),
    )
