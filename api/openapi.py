"""The OpenAPI 3.1 document of /api, generated from the canned queries' headers."""

from kg.canned import CannedQuery, Param

ERROR = {"$ref": "#/components/schemas/Error"}


def _schema(param: Param) -> dict:
    schema: dict = {"type": "integer"} if param.kind == "integer" else {"type": "string"}
    if param.kind == "enum":
        schema["enum"] = list(param.values)
    if param.kind == "text":
        schema.update(minLength=1, maxLength=200)
    if param.default is not None:
        schema["default"] = param.default
    return {"type": "array", "items": schema} if param.repeatable else schema


def _parameter(param: Param, query: CannedQuery) -> dict:
    described = param.description
    if param.kind in ("resource", "class"):
        relation = "an instance" if param.kind == "resource" else "a subclass"
        described += f" ({relation} of {param.within}: its IRI, CURIE, label or alt label)"
    parameter = {"name": param.name, "in": "query", "required": param.required, "description": described,
                 "schema": _schema(param)}
    if param.name in query.example:
        parameter["example"] = query.example[param.name]
    if param.repeatable:
        parameter.update(style="form", explode=True)
    return parameter


PAGING = [
    {"name": "limit", "in": "query", "required": False, "description": "Rows per page",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    {"name": "offset", "in": "query", "required": False, "description": "Rows to skip",
     "schema": {"type": "integer", "minimum": 0, "maximum": 10000000, "default": 0}},
]


def _operation(query: CannedQuery) -> dict:
    return {
        "operationId": query.name.replace("-", "_"),
        "summary": query.summary,
        "description": query.description,
        "tags": query.tags[:1] or ["queries"],  # one tag each, so the docs list every operation once
        "parameters": [_parameter(p, query) for p in query.params] + PAGING,
        "responses": {
            "200": {"description": "One page of rows, each with the section it comes from",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}},
                                "text/csv": {"schema": {"type": "string"}},
                                "application/sparql-results+json": {"schema": {"type": "object"}}}},
            "304": {"description": "Not modified since the ETag given"},
            "400": {"description": "A parameter is missing, malformed or unknown", "content": {"application/json": {"schema": ERROR}}},
            "406": {"description": "No acceptable format", "content": {"application/json": {"schema": ERROR}}},
            "503": {"description": "Past the time limit, or busy", "content": {"application/json": {"schema": ERROR}}},
        },
    }


def document(queries, server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "virtkg API", "version": "1",
                 "description": "Canned comparison queries over the virtualization knowledge graph. Every answer "
                                "carries the source document section of each fact."},
        "servers": [{"url": server}],
        "paths": {f"/api/{q.name}": {"get": _operation(q)} for q in sorted(queries, key=lambda q: q.name)},
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "status"],
                      "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
            "Page": {"type": "object", "required": ["query", "columns", "rows", "offset", "limit"],
                     "properties": {"query": {"type": "string"}, "summary": {"type": "string"},
                                    "parameters": {"type": "object"},
                                    "columns": {"type": "array", "items": {"type": "string"}},
                                    "rows": {"type": "array", "items": {"type": "object", "additionalProperties": {
                                        "type": ["string", "number", "boolean"],
                                        "description": "typed literals as numbers and booleans, the rest as text"}}},
                                    "offset": {"type": "integer"}, "limit": {"type": "integer"},
                                    "next": {"type": ["string", "null"]}, "prev": {"type": ["string", "null"]},
                                    "truncated": {"type": "boolean", "description": "present when the byte budget cut the page short"},
                                    "byteLimit": {"type": "integer"},
                                    "ranking": {"type": "array", "items": {"type": "object"}}}},
        }},
    }
