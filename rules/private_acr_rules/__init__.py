"""private-acr-tasks rules: the pure layer (CIDR math, NSG evaluation, capacity, naming, Azure facts).

Nothing here imports Pulumi or the Azure SDK. The stack settings, the components and the
CrossGuard policy pack all call these functions, so a rule is written once.
"""
