"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`."""
from server import create_app
from server.forms.service import publish_at_start

app = create_app()
# The versions in forms/ are published (kept for ever) once the server serves them.
publish_at_start(app)
