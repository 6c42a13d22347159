def test_healthz_process_up_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_database_and_redis_reachable_ready(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}
