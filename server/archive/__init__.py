"""The electronic archive (电子档案): archive and transfer packages built on the case-file export."""
