"""Accounts: users, roles, teams, enforcement certificates, login sessions and CSRF."""
