"""Production deployment: nginx, gunicorn, Redis and PostgreSQL configs and a loopback runner."""
