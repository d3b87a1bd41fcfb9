"""Case files (一案一卷): an inspection's evidence trail, its export as a verifiable ZIP."""
