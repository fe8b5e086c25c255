from private_acr_preview.cli import run

run()
