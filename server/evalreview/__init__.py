"""案卷评查 (case-file quality review): the quarterly sample, the checklist, scores and problems."""
