"""Login, logout and sessions."""

from tests.conftest import PASSWORD, csrf_from


def test_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="password"' in response.data


def test_login_with_a_wrong_password_is_refused(client, make_user):
    user = make_user()
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(html), "email": user.email, "password": "not-the-password"},
    )
    assert response.status_code == 400
    assert b"E-mail or password is not right" in response.data
    assert client.get("/").status_code == 302


def test_login_then_the_dashboard_opens(login, make_user):
    web = login(make_user("leadership"))
    response = web.get("/")
    assert response.status_code == 200
    assert b"Portfolio" in response.data


def test_a_session_cookie_captured_before_logout_is_refused_after_it(client, login, make_user):
    web = login(make_user())
    cookie = client.get_cookie("session")
    assert cookie is not None and web.get("/projects/").status_code == 200
    response = web.post_form("/logout", {}, page="/projects/")
    assert response.status_code == 302
    client.set_cookie("session", cookie.value)  # replay the old cookie
    response = client.get("/projects/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_form_posted_without_its_csrf_token_is_refused(client, login, make_user):
    login(make_user())
    response = client.post("/projects/new", data={"code": "P-X", "title": "No token"})
    assert response.status_code == 400
    assert b"security token" in response.data


def test_password_is_stored_hashed(make_user):
    user = make_user()
    assert PASSWORD not in user.password_hash
