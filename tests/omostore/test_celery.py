from omostore.tasks import ping


def test_a_task_round_trips_through_a_real_worker_and_redis(celery_worker_process, settings):
    # given a worker process consuming from the Redis broker (not eager mode)
    from omostore.celery import app

    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith(("redis://", "redis+socket://", "rediss://"))
    # when a task is sent
    result = ping.delay()
    # then the worker answers through the result backend
    assert result.get(timeout=20) == "pong"
    assert result.successful()
