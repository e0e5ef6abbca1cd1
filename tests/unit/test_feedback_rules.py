"""Feedback rules that need no database: endpoints, ids, spec documents, duplicate matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogs.feedback.duplicates import GuildOpenIndex, OpenItem
from cogs.feedback.endpoints import (
    EndpointError,
    SpecMatcher,
    find_endpoint_in_text,
    parse_endpoint,
    parse_endpoint_filter,
    path_matches,
)
from cogs.feedback.rules import FeedbackError, parse_item_number
from cogs.feedback.spec_parser import SpecError, check_spec_url, parse_spec

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    ("typed", "method", "path"),
    [
        ("GET /api/jobs", "GET", "/api/jobs"),
        ("get /api/jobs/", "GET", "/api/jobs"),
        ("  Patch   /api/jobs/{id}// ", "PATCH", "/api/jobs/{id}"),
        ("options /", "OPTIONS", "/"),
        ("DELETE /api/jobs/7?force=1", "DELETE", "/api/jobs/7"),
        ("get https://jobs.example.test/api/jobs/?page=2", "GET", "/api/jobs"),
        ("GET http://localhost:8000", "GET", "/"),
    ],
)
def test_endpoints_are_normalised(typed: str, method: str, path: str) -> None:
    endpoint = parse_endpoint(typed)
    assert (endpoint.method, endpoint.path) == (method, path)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("GETT /x", "not an HTTP method"),
        ("GET api/jobs", "must start with `/`"),
        ("/api/jobs", "method and a path"),
        ("GET /api/`jobs`", "characters"),
        ("TRACE /x", "not an HTTP method"),
        ("GET /" + "a" * 250, "longer than"),
    ],
)
def test_malformed_endpoints_are_explained(typed: str, message: str) -> None:
    with pytest.raises(EndpointError) as caught:
        parse_endpoint(typed)
    assert message in caught.value.message


def test_endpoint_filter_accepts_a_bare_path() -> None:
    assert parse_endpoint_filter("/api/jobs/") == (None, "/api/jobs")
    assert parse_endpoint_filter("post /api/jobs") == ("POST", "/api/jobs")


def test_spec_templates_match_concrete_and_renamed_paths() -> None:
    assert path_matches("/jobs/{jobId}", "/jobs/42")
    assert path_matches("/jobs/{jobId}", "/jobs/{id}")
    assert not path_matches("/jobs/{jobId}", "/jobs/42/applications")
    assert not path_matches("/jobs", "/jobs/42")


def test_spec_matcher_agrees_with_path_matches() -> None:
    operations = [("GET", "/jobs"), ("GET", "/jobs/{jobId}"), ("POST", "/jobs/{jobId}/apply")]
    matcher = SpecMatcher(operations)
    for method, path in [
        ("GET", "/jobs"),
        ("GET", "/jobs/42"),
        ("GET", "/jobs/{id}"),
        ("POST", "/jobs/7/apply"),
        ("POST", "/jobs/7"),
        ("DELETE", "/jobs/42"),
        ("GET", "/jobs/42/apply"),
    ]:
        expected = any(m == method and path_matches(p, path) for m, p in operations)
        assert matcher.contains(method, path) is expected, (method, path)


def test_endpoint_is_found_in_message_text() -> None:
    assert find_endpoint_in_text("hey, get /api/jobs/ returns 500 again") == "GET /api/jobs"
    assert find_endpoint_in_text("nothing here") is None


@pytest.mark.parametrize(("typed", "number"), [("FB-12", 12), ("fb12", 12), ("#7", 7), ("3", 3)])
def test_item_ids_parse_in_every_usual_spelling(typed: str, number: int) -> None:
    assert parse_item_number(typed) == number


@pytest.mark.parametrize("typed", ["FB-", "abc", "FB-0", "12a"])
def test_bad_item_ids_are_refused(typed: str) -> None:
    with pytest.raises(FeedbackError):
        parse_item_number(typed)


def test_openapi3_yaml_operations_include_the_server_base_path() -> None:
    parsed = parse_spec((DATA / "feedback_jobs_api.yaml").read_bytes())
    assert parsed.spec_format == "OpenAPI 3.0.3"
    assert parsed.title == "ProDev Jobs API"
    found = {(op.method, op.path): op.summary for op in parsed.operations}
    assert found[("GET", "/api/jobs")] == "List job postings"
    assert found[("DELETE", "/api/jobs/{jobId}")] == "Delete a job posting"
    assert found[("GET", "/api/companies")] == "List companies with open positions."
    assert found[("POST", "/api/auth/login")] == "login"
    assert len(found) == 8


def test_swagger2_json_operations_use_base_path_and_skip_extensions() -> None:
    parsed = parse_spec((DATA / "feedback_petstore_swagger2.json").read_bytes())
    assert parsed.spec_format == "Swagger 2.0"
    assert {(op.method, op.path) for op in parsed.operations} == {
        ("GET", "/v1/pets"),
        ("POST", "/v1/pets"),
        ("GET", "/v1/pets/{petId}"),
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>hello</html>", "not an OpenAPI document"),
        (b"{: bad", "neither JSON nor YAML"),
        (json.dumps({"openapi": "3.0.0", "info": {}}).encode(), "no `paths`"),
        (json.dumps({"asyncapi": "2.0.0", "paths": {}}).encode(), "not an OpenAPI 3"),
        (json.dumps({"openapi": "3.1.0", "paths": {"/x": {}}}).encode(), "no operations"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_documents_that_are_not_openapi_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(body)
    assert message in caught.value.message


DEEP = 50_000  # tens of thousands: json and yaml alone raise RecursionError long before


@pytest.mark.parametrize(
    "body",
    [
        b'{"openapi": "3.0.3", "paths": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        b'{"openapi": "3.0.3", "paths": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}",
        b'["' + b"[" * 500 + b'", ' + b"[" * DEEP,  # brackets in strings don't count, these do
    ],
    ids=["json-arrays", "json-objects", "json-unclosed"],
)
def test_a_json_spec_nested_tens_of_thousands_deep_is_refused_in_words(body: bytes) -> None:
    with pytest.raises(SpecError, match="nests more than 100 levels deep"):
        parse_spec(body)


@pytest.mark.parametrize(
    "body",
    [
        b"openapi: 3.0.3\npaths:\n" + b"- " * DEEP + b"x\n",
        b"openapi: 3.0.3\npaths: " + b"[" * DEEP + b"]" * DEEP + b"\n",
        b"openapi: 3.0.3\npaths: " + b"{a: " * DEEP + b"1" + b"}" * DEEP + b"\n",
        b"openapi: 3.0.3\npaths:\n" + b"".join(b" " * i + b"a:\n" for i in range(1, 300)),
    ],
    ids=["yaml-block", "yaml-flow-sequences", "yaml-flow-mappings", "yaml-indented"],
)
def test_a_yaml_spec_nested_tens_of_thousands_deep_is_refused_in_words(body: bytes) -> None:
    with pytest.raises(SpecError, match="nests more than 100 levels deep"):
        parse_spec(body)


def test_a_spec_nested_as_deep_as_real_ones_still_parses() -> None:
    schema = "{type: object, properties: {a: " * 40 + "{type: string}" + "}}" * 40
    body = f"openapi: 3.0.3\npaths:\n  /a:\n    get:\n      x-schema: {schema}\n"
    assert [op.path for op in parse_spec(body.encode()).operations] == ["/a"]
    # Brackets inside strings are text, not nesting.
    operation = {"summary": "[" * 500, "x": [[['\\"[[[[[[']]]}
    as_json = json.dumps({"openapi": "3.0.3", "paths": {"/a": {"get": operation}}})
    assert [op.path for op in parse_spec(as_json.encode()).operations] == ["/a"]


def test_yaml_merge_keys_expand_but_a_quadratic_chain_is_refused() -> None:
    merged = b"""openapi: 3.0.3
x-base: &base {summary: Shared summary, description: d}
paths:
  /a:
    get: {<<: *base, summary: Own summary}
    post: {<<: [*base, {summary: Second}]}
  /b: {<<: {get: {summary: Merged operation}}}
"""
    found = {(op.method, op.path): op.summary for op in parse_spec(merged).operations}
    assert found == {
        ("GET", "/a"): "Own summary",
        ("POST", "/a"): "Shared summary",
        ("GET", "/b"): "Merged operation",
    }
    # Each link copies every pair of the one before: 1,000 lines would copy 500,000 pairs.
    chain = [b"openapi: 3.0.3", b"a0: &a0 {k0: 1}"]
    chain += [b"a%d: &a%d {<<: *a%d, k%d: 1}" % (i, i, i - 1, i) for i in range(1, 1000)]
    chain.append(b"paths: {/a: {get: {summary: x}}}")
    with pytest.raises(SpecError, match="merge keys"):
        parse_spec(b"\n".join(chain))


def test_aliases_standing_for_a_huge_value_are_not_expanded() -> None:
    # Nine levels of ten aliases: a billion strings if anything walked the title.
    levels = [b"l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        levels.append(b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 10) + b"]")
    body = b"openapi: 3.0.3\n" + b"\n".join(levels)
    body += b"\ninfo: {title: *l8, version: *l8}\npaths: {/a: {get: {summary: *l8}}}\n"
    parsed = parse_spec(body)
    assert (parsed.title, parsed.version, parsed.operations[0].summary) == (None, None, None)


@pytest.mark.parametrize(
    "body",
    [b'{"openapi": 1' + b"1" * 5000 + b"}", b"openapi: 3.0.3\ndate: 2024-13-45\n"],
    ids=["huge-number", "impossible-date"],
)
def test_values_python_cannot_build_are_refused_in_words(body: bytes) -> None:
    with pytest.raises(SpecError, match="holds a value I can't read"):
        parse_spec(body)


@pytest.mark.parametrize("url", ["ftp://x.test/spec.yaml", "file:///etc/passwd", "jobs.yaml"])
def test_spec_urls_must_be_http(url: str) -> None:
    with pytest.raises(SpecError):
        check_spec_url(url)


def test_duplicates_prefer_the_same_endpoint_and_ignore_unrelated_titles() -> None:
    index = GuildOpenIndex(
        [
            OpenItem(1, 1, "GET", "/api/jobs", "Jobs list returns 500"),
            OpenItem(2, 2, "POST", "/api/login", "Login returns 401 with a valid token"),
            OpenItem(3, 3, "GET", "/api/companies", "Jobs list returns 500 sometimes"),
            OpenItem(4, 4, "GET", "/api/jobs", "Pagination ignores per_page"),
        ]
    )
    found = index.find("GET", "/api/jobs", "500 when listing jobs")
    assert [c.number for c in found][:1] == [1]
    assert 2 not in [c.number for c in found]
    assert index.find("GET", "/api/other", "Completely different words") == []


def test_same_endpoint_paraphrases_match_but_one_shared_word_does_not() -> None:
    index = GuildOpenIndex(
        [
            OpenItem(1, 1, "GET", "/api/jobs", "Pagination ignores page size"),
            OpenItem(2, 2, "GET", "/api/jobs", "GET jobs sorts salary the wrong way"),
        ]
    )
    assert [
        c.number for c in index.find("GET", "/api/jobs", "page size ignored by pagination")
    ] == [1]
    assert index.find("GET", "/api/jobs", "Document the rate limits for salary") == []


def test_concrete_and_templated_paths_count_as_one_endpoint() -> None:
    index = GuildOpenIndex([OpenItem(1, 1, "GET", "/api/jobs/{jobId}", "Job detail lacks salary")])
    assert [
        c.number for c in index.find("GET", "/api/jobs/42", "salary missing in job detail")
    ] == [1]


def test_a_rebuild_keeps_what_did_not_change_and_finds_what_did() -> None:
    previous = GuildOpenIndex(
        [
            OpenItem(1, 1, "GET", "/api/jobs", "Jobs list returns 500"),
            OpenItem(2, 2, "POST", "/api/login", "Login returns 401 with a valid token"),
            OpenItem(3, 3, "GET", "/api/companies", "Companies page is slow"),
        ]
    )
    previous.remove(3)  # closed since: a tombstone, not lent to the rebuild
    rows = [
        OpenItem(1, 1, "GET", "/api/jobs", "Jobs list returns 500"),
        OpenItem(2, 2, "POST", "/api/login", "Login refuses every token"),  # retitled
        OpenItem(3, 3, "GET", "/api/companies", "Companies page is slow"),  # reopened
        OpenItem(4, 4, "GET", "/api/jobs", "Pagination ignores per_page"),  # new
    ]
    index = GuildOpenIndex(rows, previous=previous)
    # The unchanged item is the previous index's own objects, not new copies of them.
    assert index.items[0] is previous.items[0]
    assert index.processed[0] is previous.processed[0]
    assert index.sorted_titles[0] is previous.sorted_titles[0]
    assert index.items[1:] == rows[1:]
    assert index.processed[2] == "companies page is slow"
    assert [c.number for c in index.find("POST", "/api/login", "login refuses every token")] == [2]
    assert [c.number for c in index.find("GET", "/api/companies", "companies page slow")] == [3]
    assert [c.number for c in index.find("GET", "/api/jobs", "jobs list returns 500")][:1] == [1]


@pytest.mark.parametrize(
    "typed", [" " * 6000, " " * 2000 + "x", "fb" + " " * 6000 + "x", "FB-" + "\t" * 3000 + "-1"]
)
def test_an_id_of_thousands_of_spaces_is_refused_at_once(typed: str) -> None:
    # The old pattern backtracked in cubic time on runs of spaces: minutes on the event loop.
    with pytest.raises(FeedbackError, match="not a feedback id"):
        parse_item_number(typed)
