"""The department claims API (issue 7): JSON under /api/v1, bearer tokens, problem details.

`views.bp` is the blueprint; `openapi.build_spec()` is the OpenAPI 3.1 document it serves;
`cli` holds the `api-token` and `import-claims` commands.
"""
