"""gunicorn settings for FieldCase; values come from server/config.py (FIELDCASE_* variables).

Threaded workers: a phone uploading a large video slowly over a weak link holds one thread, not a
whole process. `timeout` is the silence allowed before a worker is restarted, generous for that.
"""
import gc

from server.config import Config

_settings = Config()

bind = _settings.BIND
workers = _settings.WORKERS
# gthread, answering its own errors (414, 431, a bad header: 400) as problem+json.
worker_class = "server.gunicorn_worker.ProblemThreadWorker"
threads = _settings.THREADS
# Workers are replaced once they hold too much memory (pre_request below) and, as a backstop,
# after many requests, not all at once.
max_requests = _settings.MAX_REQUESTS
max_requests_jitter = _settings.MAX_REQUESTS_JITTER
timeout = _settings.REQUEST_TIMEOUT
graceful_timeout = 30
keepalive = 5
# Headers and request line limits stay at gunicorn's safe defaults; bodies are limited by the app.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# No control socket: it lives at one path per user, and instances must run side by side.
control_socket_disable = True
# No preload: each worker opens its own database connections after the fork.
preload_app = False


def post_worker_init(worker):
    """Once the worker has loaded the app, move what start-up made (about 200,000 objects: modules,
    mappers, schemas, forms) out of the garbage collector's reach: they live as long as the
    process. A full collection otherwise walks all of them: a pause of up to 130 ms (every thread
    of the worker waits) every few hundred syncs, 0.2-0.4 ms of CPU per one-record sync on
    average; frozen, 0.03 ms and no such pause (README, Performance)."""
    gc.collect()
    gc.freeze()
    worker.watch_memory(_settings.WORKER_MAX_RSS_MB)
    # Documents a replaced or crashed worker left waiting are sealed by the next poll.
    from server.documents.queue import start_sealer

    start_sealer(worker.wsgi)


def pre_request(worker, req):
    """A worker grown past FIELDCASE_WORKER_MAX_RSS_MB by the requests before answers this one
    with `Connection: close`, finishes and is replaced (gunicorn's own way for max_requests)."""
    worker.recycle_if_grown()
