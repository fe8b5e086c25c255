from private_acr_preview.entry import run

run()
