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
