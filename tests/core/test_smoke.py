def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_home_after_login(client, make_user, login):
    ana = make_user("ana", display_name="Ana Lima")
    login(ana)
    r = client.get("/")
    assert r.status_code == 200
    assert "Welcome, Ana Lima" in r.get_data(as_text=True)
