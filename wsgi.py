"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`."""
from server import create_app
from server.discretion.service import publish_at_start as publish_discretion_at_start
from server.forms.service import publish_at_start

app = create_app()
# The versions in forms/ are published (kept for ever) once the server serves them.
publish_at_start(app)
# So are the discretion benchmarks in discretion/ (recorded in the audit log).
publish_discretion_at_start(app)
