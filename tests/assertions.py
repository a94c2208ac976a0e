"""Assertions shared by the API tests."""


def assert_error(response, status: int, code: str) -> dict:
    """The response is the one error shape with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"error", "code", "message", "fields"}, body
    return body
