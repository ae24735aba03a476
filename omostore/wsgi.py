import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
# A WSGI worker (gunicorn's sync worker, or a gthread worker's fixed threads) serves request after
# request on the same thread, so its database connection is kept rather than reopened for each
# (settings.py, "Database"). Under ASGI (omostore/asgi.py) it is not.
os.environ.setdefault("DB_CONN_MAX_AGE", "600")
application = get_wsgi_application()
