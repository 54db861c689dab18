"""gunicorn settings: `gunicorn -c config/gunicorn.py wsgi:app`; WEB_BIND, WEB_WORKERS, WEB_THREADS override."""
import multiprocessing
import os

bind = os.environ.get("WEB_BIND", f"127.0.0.1:{os.environ.get('WEB_PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
# gunicorn 27's control socket lives in ~/.gunicorn, shared by every instance on the host; not needed here.
control_socket_disable = True


def post_worker_init(worker):
    """Load the talent pool's index in the background, so the first search does not wait for it (~9 s at 100k)."""
    import threading

    threading.Thread(target=_warm_pool, name="pool-warm", daemon=True).start()


def _warm_pool():
    import logging

    try:
        from bot.store.db import db_session
        from bot.talent import pool as talent

        with db_session():
            talent.warm()
    except Exception:  # a cold index is only slower; the first search builds it
        logging.getLogger("gunicorn.error").exception("talent pool index not preloaded")
