"""Supervisor and legal review of inspection records, and the printed record (现场检查笔录)."""
