"""siting: where AI compute should be built in mainland China, and for which workload."""

__version__ = "0.1.0"
