"""What readers send back, kept in the server's database: feedback on articles and the
searches that found nothing (``tables``), written and read by ``records`` and
``gaps``, its schema moved by Alembic migrations (``migrations/``, ``database``).

No IP address, cookie or identifier is stored: a report has the id its device made
for it (so a report sent twice is stored once) and the day it arrived, nothing else
about who sent it.
"""
