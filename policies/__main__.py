"""Entry point the Pulumi CLI runs: `pulumi preview --policy-pack policies`.

Constructing PolicyPack starts the analyzer server and blocks, so nothing else lives here.
``_server.install()`` lets that server decode a stack once for all stack policies (see its
docstring); ``gc.freeze()`` keeps the SDK's objects out of every later collection.
"""

import gc

from pulumi_policy import PolicyPack

from private_acr_policies import DESCRIPTION, PACK_NAME, POLICIES, _server

_server.install()
gc.freeze()
PolicyPack(name=PACK_NAME, policies=POLICIES, description=DESCRIPTION)
