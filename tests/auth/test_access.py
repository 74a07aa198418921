"""Every page and endpoint needs a login; each role may write only what DOMAIN.md says."""

import pytest

from jointprojects.auth import policy

# the calendar feed: its secret is the key (tests/inbox/test_calendar.py)
PUBLIC = {"auth.login", "static", "auth.health", "calendar.feed"}


def test_every_endpoint_except_login_static_and_health_requires_authentication(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", "1").replace(f"<int:{arg}>", "1")
        url = url.replace("<int:number>", "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
            elif method == "GET":
                assert response.status_code == 302 and "/login" in response.headers["Location"], (
                    method,
                    url,
                    response.status_code,
                )
            else:
                # A form post without a session is refused (CSRF first, then login).
                assert response.status_code in (302, 400), (method, url, response.status_code)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("admin", policy.USER_ADMIN, True),
        ("programme_manager", policy.PROJECT_WRITE, True),
        ("programme_manager", policy.ARRANGEMENT_WRITE, True),
        ("programme_manager", policy.EXPENSE_WRITE, False),
        ("programme_manager", policy.PERSONNEL_WRITE, True),
        ("finance", policy.EXPENSE_WRITE, True),
        ("finance", policy.RATE_WRITE, True),
        ("finance", policy.IMPORT, True),
        ("finance", policy.PROJECT_WRITE, False),
        ("finance", policy.ARRANGEMENT_SIGN, False),
        ("leadership", policy.READ, True),
        ("leadership", policy.REPORT_DOWNLOAD, True),
        ("leadership", policy.PROJECT_WRITE, False),
        ("leadership", policy.EXPENSE_WRITE, False),
        ("leadership", policy.ARRANGEMENT_SIGN, False),
    ],
)
def test_rights_per_role(make_user, role, action, allowed):
    assert policy.can(make_user(role), action) is allowed


WRITES = [
    ("post", "/api/v1/organizations", {"code": "NEW", "name": "New", "currency": "EUR"}, {"admin"}),
    (
        "post",
        "/api/v1/projects",
        {
            "code": "P-9",
            "title": "T",
            "areas": ["a"],
            "lead_organization": "UN",
            "start_date": "2025-01-01",
        },
        {"admin", "programme_manager"},
    ),
    ("post", "/api/v1/arrangements", None, {"admin", "programme_manager"}),
]


@pytest.mark.parametrize("role", ["admin", "programme_manager", "finance", "leadership"])
@pytest.mark.parametrize(("method", "url", "body", "allowed"), WRITES)
def test_role_by_write_endpoint_matrix(api, make_project, role, method, url, body, allowed):
    if body is None:
        project = make_project(lead_organization="UN")  # one the UN user sees
        body = {
            "reference": "SA-9",
            "project": project.code,
            "title": "T",
            "parties": ["UN", "INTERPOL"],
            "currency": "USD",
            "start_date": "2025-01-01",
            "shares": [
                {"organization": "UN", "percent": "50"},
                {"organization": "INTERPOL", "percent": "50"},
            ],
        }
    response = getattr(api(role, "UN"), method)(url, body)
    assert response.status_code == (201 if role in allowed else 403), response.get_json()


def test_leadership_sees_pages_but_no_write_buttons(login, make_user, make_project):
    make_project(code="P-LEAD")
    web = login(make_user("leadership", "INTERPOL"))  # the lead organization's own
    page = web.get("/projects/P-LEAD").get_data(as_text=True)
    assert "P-LEAD" in page and "New special arrangement" not in page and ">Edit<" not in page
    assert web.get("/projects/new").status_code == 403
    assert web.get("/arrangements/new").status_code == 403


def test_huge_numbers_in_urls_are_a_404_or_a_clear_message_never_a_server_error(
        login, make_user, api):
    web = login(make_user("admin"))
    huge = "9" * 25
    assert web.get(f"/projects/?page={huge}").status_code == 200
    assert web.get(f"/audit/?page={huge}").status_code == 200
    assert web.get(f"/users/{huge}/active").status_code in (404, 405)
    client = api("admin")
    assert client.get(f"/api/v1/projects?page={huge}").status_code == 422
    assert client.get(f"/api/v1/personnel-exchanges/{huge}").status_code == 404


def test_pages_cannot_be_framed_and_scripts_come_only_from_the_app(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
