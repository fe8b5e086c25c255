"""The ``offline-preview`` console script (and ``python -m private_acr_preview``).

Its first instruction makes the stop signals end the run (``stopping``), before the engine's
imports (argparse, the Pulumi SDK, gRPC: most of a second), so a SIGTERM or Ctrl-C during
start-up ends with 128 + N like one later: no KeyboardInterrupt traceback, no "the program
failed" from a module a signal left half imported.
"""

from __future__ import annotations

from private_acr_preview import stopping

# Collect young objects 70x less often than Python's default (700). Importing the SDKs and
# running a program under the mock engine allocate millions of objects (every output property
# becomes futures and tasks) that mostly live until the end, so the default schedule spends
# about a third of the run in collections that free nothing; garbage stays bounded all the same.
_GC_THRESHOLDS = (50_000, 10, 10)


def run() -> None:
    """Run the command, and exit as soon as the reports are out and the pack has stopped.

    Interpreter shutdown (tearing down the SDK's modules, gRPC and the event loop's threads) costs
    about half a second and changes nothing the user sees, so the process ends right away.
    """
    stopping.install()
    import gc
    import os
    import sys

    gc.set_threshold(*_GC_THRESHOLDS)
    from private_acr_preview.cli import main

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
