"""Entry point the Pulumi CLI runs: `pulumi preview --policy-pack policies`.

Constructing PolicyPack starts the analyzer server and blocks, so nothing else lives here.
``serve`` also lets that server decode a stack once for all stack policies (``_server``) and
freezes the SDK's objects out of every later collection; installed copies of the pack
(``private-acr-policy-pack``) run the same function.
"""

from private_acr_policies.pack import serve

serve()
