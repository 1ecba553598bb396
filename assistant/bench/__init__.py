"""Benchmarks: ``assistant bench`` (speed and memory), the synthetic scale run, and ``assistant loadcheck``."""
