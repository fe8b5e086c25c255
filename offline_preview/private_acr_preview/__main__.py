import sys

from private_acr_preview.cli import main

sys.exit(main())
