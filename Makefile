# The two commands a newcomer needs:  make run  (demo portal)  and  make test  (every test).
.PHONY: run test lint translations screenshots bench

run:
	scripts/run-demo.sh

test:
	scripts/test.sh

# City-scale benchmarks on PostgreSQL and SQLite -> docs/benchmarks.md (BENCH_SCALE=small|full).
bench:
	scripts/bench.sh

lint:
	uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen mypy

# Re-extract the source strings and merge them into the da/nl/en catalogs.
translations:
	uv run --frozen pybabel -q extract -F babel.cfg -k _l -c TRANSLATORS: --no-location --sort-output -o translations/messages.pot .
	uv run --frozen pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching
