"""The Celery app, and what sending a task does when Redis (the broker) is frozen or down."""

import functools
import logging
import os

import kombu
from celery import Celery
from celery.app.amqp import AMQP
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")

logger = logging.getLogger(__name__)


class QuickReconnection(kombu.Connection):
    """Kombu retries a lost broker after 2, 4, 6 ... up to 30 s; a worker would then come back
    up to half a minute after Redis does. Here it tries every half second, then every 2 s."""

    def ensure_connection(
        self,
        errback=None,
        max_retries=None,
        interval_start=0.5,
        interval_step=0.5,
        interval_max=2,
        **kwargs,
    ):
        return super().ensure_connection(
            errback, max_retries, interval_start, interval_step, interval_max, **kwargs
        )


class OmoAMQP(AMQP):
    Connection = QuickReconnection


class OmoTask(DjangoTask):
    def delay_on_commit(self, *args, **kwargs) -> None:
        """Send the task once the transaction commits; if the broker cannot take it, log it.

        By then the request's write is committed (an order is paid): failing the response with
        a 500 would only make the client retry what already happened. So a task sent on commit
        must be one that a periodic sweep also catches up (as `expire_unpaid_orders` finds every
        unpaid order past its time), and losing the send delays its work, never loses it.
        """
        transaction.on_commit(functools.partial(self._send_after_commit, args, kwargs))

    def _send_after_commit(self, args: tuple, kwargs: dict) -> None:
        from omostore.redis_client import redis_available

        if not redis_available():
            logger.error("task %s not sent: Redis is unavailable", self.name)
            return
        try:
            self.delay(*args, **kwargs)
        except Exception:
            logger.exception("task %s not sent: the broker did not take it", self.name)


app = Celery("omostore", task_cls=OmoTask, amqp=OmoAMQP)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
