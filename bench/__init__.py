"""Benchmarks, run by hand or `make bench`; never timed assertions in the tests."""
