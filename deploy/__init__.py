"""Production deployment: nginx + gunicorn + Redis configs and a loopback runner."""
