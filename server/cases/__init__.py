"""Dispositions of findings and the general-procedure penalty case (一般程序)."""
