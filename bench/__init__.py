"""City-scale benchmarks for Saldo (`make bench`, not part of `make test`)."""
