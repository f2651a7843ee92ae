"""gunicorn settings for Satchel behind nginx (deploy/topology.py adds the bind
address, worker count and file paths of one run on the command line)."""

import multiprocessing

wsgi_app = "satchel:create_app()"

# Several processes share nothing but DATA_DIR and Redis, so any number works.
workers = multiprocessing.cpu_count() * 2 + 1
# nginx buffers requests and responses, so a slow phone never holds a sync worker.
worker_class = "sync"
timeout = 30
graceful_timeout = 10
# Recycle workers now and then: bounds any slow growth of a worker's memory.
max_requests = 20000
max_requests_jitter = 2000
forwarded_allow_ips = "127.0.0.1"
# The worker pid and nginx's request id on every line, to follow one request.
access_log_format = '%(h)s pid=%(p)s rid=%({x-request-id}i)s "%(r)s" %(s)s %(B)s %(D)sus'
# No control socket: every gunicorn of a machine would share its one default path
# (~/.gunicorn/gunicorn.ctl), so a second worker group's took the first's; the
# topology manages gunicorn by its PID file and signals alone.
control_socket_disable = True
