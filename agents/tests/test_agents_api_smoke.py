from tests.assertions import assert_error


def test_it_lists_agents_for_a_reader(reader_client, make_agent):
    make_agent("devops")
    response = reader_client.get("/api/agents/")
    assert response.status_code == 200
    assert [agent["folder"] for agent in response.json()] == ["devops"]


def test_it_refuses_anonymous_listing(anon_client, db):
    assert_error(anon_client.get("/api/agents/"), 401, "NOT_AUTHENTICATED")
